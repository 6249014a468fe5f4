"""One screen per file; each event calls one service method."""
