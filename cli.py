"""Run the deminimis command line from a checkout: ``python cli.py check …``."""

from deminimis.cli import main

if __name__ == "__main__":
    main()
