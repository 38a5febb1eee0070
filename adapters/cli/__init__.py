"""The ``scale-advisor`` command line."""
