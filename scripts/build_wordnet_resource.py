"""Regenerate evalkit/data/wordnet30_synonyms.txt.gz from WordNet 3.0 (Debian's wordnet-base).

Usage: python scripts/build_wordnet_resource.py [WORDNET_DICT_DIR]   (default: /usr/share/wordnet,
or $EVALKIT_WORDNET). The output is reproducible byte for byte; tests/test_wordnet.py checks that the
committed file equals a fresh build.
"""

from __future__ import annotations

import sys

from evalkit.text.wordnet import RESOURCE, write_resource

if __name__ == "__main__":
    path = write_resource(RESOURCE, sys.argv[1] if len(sys.argv) > 1 else None)
    print(f"wrote {path} ({path.stat().st_size:,} bytes)")
