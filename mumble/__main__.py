import sys

from mumble.cli import main

sys.exit(main())
