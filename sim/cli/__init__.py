"""Command-line interface: ``ecosim <command>``. Each command lives in its own module."""
