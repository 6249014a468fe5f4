"""Helpers shared by the test suites (a real sync server in a subprocess, ...)."""
