import sys

from bot.adapters.terminal.cli import main

sys.exit(main())
