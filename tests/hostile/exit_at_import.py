"""os._exit while the file is being loaded."""

import os

os._exit(3)
