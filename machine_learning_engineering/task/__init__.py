"""The task layer: load a task folder, know its metric, profile its data, check and grade submissions."""

from .errors import SubmissionError, TaskError
from .grader import AlignedSubmission, align_submission, check_submission, grade, validate_submission
from .inventory import DataFile, list_data_files, summarise_inventory
from .loader import Task, load_task
from .metrics import Metric, detect_metric, get_metric
from .profile import profile_task

__all__ = [
    "AlignedSubmission", "DataFile", "Metric", "SubmissionError", "Task", "TaskError", "align_submission",
    "check_submission", "detect_metric", "get_metric", "grade", "list_data_files", "load_task", "profile_task",
    "summarise_inventory", "validate_submission",
]
