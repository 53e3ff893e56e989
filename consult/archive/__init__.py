"""The public archive: browsing, search, open data downloads and Atom feeds."""
