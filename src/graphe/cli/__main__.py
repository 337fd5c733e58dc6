"""``python -m graphe.cli``: the same as the ``graphe`` command."""

import sys

from graphe.cli import main

sys.exit(main())
