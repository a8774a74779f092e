"""Switch off every phone-home before any third-party library is imported.

`qa` must work with no network at all, whatever the caller's environment says,
so these are forced rather than defaulted. Imported first by `qa/__init__.py`.
"""

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ORT_DISABLE_TELEMETRY": "1",
    "RAGAS_DO_NOT_TRACK": "true",
    "ANONYMIZED_TELEMETRY": "False",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "TQDM_DISABLE": "1",
}


def apply() -> None:
    for key, value in OFFLINE_ENV.items():
        os.environ[key] = value


apply()
