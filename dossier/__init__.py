"""dossier: a static-site generator for annotated dossiers."""
__version__ = "0.1.0"
