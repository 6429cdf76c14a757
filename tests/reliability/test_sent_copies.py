"""Every acknowledgement sent is kept once in the Sent folder, also when they go out by hundreds."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.mailgen import request_mail
from tests.reliability.support import append_all, env_for, repeated, rightsdesk

pytestmark = [pytest.mark.slow, pytest.mark.dovecot]

_MSGID = re.compile(rb"<[^>]+>")
MESSAGES = 320  # several MULTIAPPEND batches, stored while the next sends go out


def test_hundreds_of_acknowledgements_each_land_once_in_the_sent_folder(
    mailbox: Any, smtp_sink: Any, tmp_path: Any
) -> None:
    append_all(mailbox, [request_mail(i, seed=31)[0] for i in range(MESSAGES)])
    env = env_for(mailbox, smtp_sink.port, f"sqlite:///{tmp_path / 'rightsdesk.db'}")
    assert rightsdesk(env, "db", "upgrade").returncode == 0
    result = rightsdesk(env, "poll", "--once")
    assert result.returncode == 0, result.stderr
    assert "Sent copies" not in result.stderr  # none dropped, none left behind

    smtp_sink.wait_for(MESSAGES, timeout=30)
    client = mailbox.client()
    try:
        client.select_folder("Sent", readonly=True)
        uids = client.search(["ALL"])
        found = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
    finally:
        client.logout()
    header = b"BODY[HEADER.FIELDS (MESSAGE-ID)]"
    kept = [_MSGID.search(bytes(v[header])).group(0).decode() for v in found.values()]
    assert len(kept) == MESSAGES
    assert repeated(kept) == {}
    assert set(kept) == {str(m.message["Message-ID"]).strip() for m in smtp_sink.messages}
