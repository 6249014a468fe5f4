"""One module per group of calls."""
