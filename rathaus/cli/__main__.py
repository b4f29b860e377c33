import sys

from rathaus.cli import main

sys.exit(main())
