"""What check_hf_checkpoint.py and check_hf_tokenizer.py share (standard library only): a JSON file
read into a value or one problem line (never a traceback), --help, and the problem report.
Imported from the scripts' own folder, which Python puts first on sys.path."""
import json


def read_json(path):
    """(value, None) when the file holds JSON, else (None, "PATH: reason")."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f), None
    except (OSError, ValueError) as e:  # ValueError includes JSONDecodeError and UnicodeDecodeError
        return None, f"{path}: {e}"


def help_requested(argv):
    """True for `SCRIPT -h` or `SCRIPT --help`."""
    return len(argv) >= 2 and argv[1] in ("-h", "--help")


def report(problems, file):
    """Prints one line per problem to file; returns the exit status (1 when any, else 0)."""
    for p in problems:
        print(p, file=file)
    return 1 if problems else 0
