"""``python -m evalkit.cli``: the same as the ``evalkit`` script."""

from evalkit.cli import main

main()
