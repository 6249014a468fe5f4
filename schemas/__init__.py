"""The contract shared by the phone and the server.

Only pydantic and the standard library may be imported here: the phone build
ships this package, and so does the server. Domain rules (answer validation,
quiz scoring, tally contributions, plan math) are plain functions over these
models.
"""

SCHEMA_VERSION = 1
