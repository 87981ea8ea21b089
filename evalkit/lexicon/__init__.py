"""What the text metrics read: the Porter stemmer, WordNet 3.0's synonyms, and the bundled WordNet corpus."""
