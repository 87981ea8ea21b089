"""Regenerate evalkit's bundled WordNet 3.0 files from WordNet 3.0's database (Debian's wordnet-base and
wordnet-sense-index: ``apt-get install wordnet-base wordnet-sense-index``; only this script needs them).

Usage: python scripts/build_wordnet_resource.py [WORDNET_DICT_DIR]   (default: $EVALKIT_WORDNET where it
holds WordNet, else /usr/share/wordnet). Writes

- evalkit/data/wordnet30.txt.xz: synsets, lemmas, glosses, sense order and exception lists, from which
  ``evalkit.lexicon.corpora`` reads the glosses and lays out nltk's WordNet (``evalkit.lexicon.corpora.build_wordnet_bundle``);
- evalkit/data/wordnet30_synonyms.txt.gz: METEOR's synonym table (``evalkit.lexicon.wordnet.build_resource``).

Both are reproducible: the same database gives the same content. tests/test_corpora.py and
tests/test_wordnet.py check that the committed files equal a fresh build.
"""

from __future__ import annotations

import sys
from pathlib import Path

from evalkit.lexicon.corpora import BUNDLED, DEBIAN, holds_wordnet, wordnet_dir, write_wordnet_bundle
from evalkit.lexicon.wordnet import RESOURCE, write_resource

if __name__ == "__main__":
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else (wordnet_dir() or DEBIAN)
    if not holds_wordnet(source):
        sys.exit(f"{source} holds no WordNet 3.0 database (data.noun): install Debian's wordnet-base")
    for path in (write_wordnet_bundle(BUNDLED, source), write_resource(RESOURCE, source)):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
