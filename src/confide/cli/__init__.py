"""The ``confide`` command-line interface (see :mod:`confide.cli.app`)."""
