"""The ``armednet`` command line (typer). Heavy libraries are imported inside commands."""
