"""`python -m rightsdesk`: the same as the `rightsdesk` command."""

from rightsdesk.cli import entry

if __name__ == "__main__":  # not when imported (multiprocessing's spawn imports __main__)
    entry()
