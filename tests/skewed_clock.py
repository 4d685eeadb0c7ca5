"""Run a command-line tool (`flask ...`) in a process whose clock is off by some seconds, as on a
machine whose clock has drifted:

    python -m tests.skewed_clock 25 flask --app portal worker
"""

import sys
from datetime import UTC, datetime, timedelta

import time_machine
from flask.cli import main

if __name__ == "__main__":
    offset = float(sys.argv[1])
    time_machine.travel(datetime.now(UTC) + timedelta(seconds=offset), tick=True).start()
    sys.argv = sys.argv[2:]
    main()
