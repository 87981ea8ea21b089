"""Text metrics: BLEU, ROUGE, METEOR."""
