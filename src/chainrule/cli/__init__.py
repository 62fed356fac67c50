"""The ``chainrule`` command line: it parses and prints; the library does the work."""
