"""The cloud Lambdas' tests: moto stands in for AWS, with fake credentials in one region, and each
handler's folder is importable as the Lambda runtime makes it (its module at the top level)."""
import os
import sys

LAMBDA_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "cloud", "lambda")
for folder in ("", "pipeline_checks", "forecast_api", "board_silence"):
    sys.path.insert(0, os.path.abspath(os.path.join(LAMBDA_DIR, folder)))

os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1"})
sys.dont_write_bytecode = True
