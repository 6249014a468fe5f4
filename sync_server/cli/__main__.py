"""``python -m sync_server.cli ...`` is ``fieldtally-server ...`` (the tests start the live server so)."""

import sys

from . import main

sys.exit(main())
