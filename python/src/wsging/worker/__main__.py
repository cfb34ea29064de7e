"""`python -m wsging.worker`: one worker process (environment described in runtime.py)."""

import sys

from .runtime import main

if __name__ == "__main__":
    sys.exit(main())
