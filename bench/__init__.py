"""`make bench`: speed and retrieval quality of qa beside the LlamaIndex starter pipeline (see bench/run.py)."""
