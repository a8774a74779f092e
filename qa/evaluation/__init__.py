"""`qa eval`: the evaluation set, scoring, ragas metrics, reports, the CI gate and calibration.

evalset.py     the questions (evals/questions.jsonl) and where their gold quotes sit in the cleaned text
scoring.py     per-question verdicts and the headline metrics
ragas_metrics  ragas non-LLM metrics, and Faithfulness / ResponseRelevancy with a judge LLM
report.py      JSON and Markdown reports
gate.py        thresholds (evals/thresholds.json) the CI run must meet
calibrate.py   fits the answerer's weights and refusal threshold on the dev split
runner.py      runs it all for the CLI
"""
