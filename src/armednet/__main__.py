"""``python -m armednet`` runs the command line."""

from armednet.cli.main import main

main()
