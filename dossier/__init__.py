"""dossier: a static-site generator for annotated dossiers."""
from .version import VERSION as __version__  # noqa: F401
