"""The HTTP layer: routes, dependencies, body reading and the error answers."""
