# A module of its own: setuptools' editable install may expose `dossier` as a namespace package,
# whose __init__ is not run, so nothing should import names from the package's __init__.
VERSION = "0.1.0"
