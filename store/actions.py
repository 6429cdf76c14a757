"""The audit trail's actions: one name for each kind of event (their values are in the chain)."""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    """What an audit event records; a value never changes, since it is hashed into the chain."""

    # The case's life (cases.operations).
    OPEN = "open"
    MESSAGE_RECEIVED = "message_received"
    TRIAGE = "triage"
    SET_KINDS = "set_kinds"
    # A right asked for later in the case's own thread joins the case (mail_intake.follow_up).
    KINDS_ADDED = "kinds_added"
    ASSIGN = "assign"
    NOTE = "note"
    VERIFY = "verify"
    PAUSE = "pause"
    RESUME = "resume"
    EXTEND = "extend"
    EXTENSION_NOTIFIED = "extension_notified"
    MARK_COMPLEX = "mark_complex"
    RESPOND = "respond"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"
    DISMISS = "dismiss"
    CLOSE = "close"
    REOPEN = "reopen"
    TASKS_ENDED = "tasks_ended"
    # Replies (cases.drafts, cases.replies).
    DRAFT = "draft"
    REPLY_APPROVED = "reply_approved"
    RECIPIENT_NOTIFIED = "recipient_notified"
    RECIPIENT_NOTICE_NEEDED = "recipient_notice_needed"
    REQUESTER_REMINDED = "requester_reminded"
    # Identity (Art. 12(6)).
    VERIFICATION_CODE_SENT = "verification_code_sent"
    SENDER_MATCH_UNAUTHENTICATED = "sender_match_unauthenticated"
    IDENTITY_DOCUMENTS_DELETED = "identity_documents_deleted"
    CODE_VOIDED = "code_voided"
    CODE_REPLY_REJECTED = "code_reply_rejected"
    LINK_CUSTOMER = "link_customer"
    # Fulfilment (cases.fulfilment).
    FULFIL = "fulfil"
    ACCESS_COMPILED = "access_compiled"
    PORTABILITY_EXPORTED = "portability_exported"
    RESTRICTION_LIFTED = "restriction_lifted"
    OPT_OUT_IN_FORCE = "opt_out_in_force"
    SYSTEM_ERASURE_STARTED = "system_erasure_started"
    SYSTEM_ERASED = "system_erased"
    SYSTEM_RECTIFIED = "system_rectified"
    SYSTEM_RESTRICTED = "system_restricted"
    # A restriction's plan (the values before), recorded before the system is changed.
    SYSTEM_RESTRICTION_STARTED = "system_restriction_started"
    SYSTEM_RESTRICTION_INTERRUPTED = "system_restriction_interrupted"
    # A lifted restriction's columns put back in a `sql` system (Art. 18(3)).
    SYSTEM_RESTRICTION_LIFTED = "system_restriction_lifted"
    # Lifting's plan (the rows to put back), recorded before the system is changed.
    SYSTEM_RESTRICTION_LIFT_STARTED = "system_restriction_lift_started"
    SYSTEM_RESTRICTION_LIFT_INTERRUPTED = "system_restriction_lift_interrupted"
    SYSTEM_ERASURE_INTERRUPTED = "system_erasure_interrupted"
    WAITING_FOR_SYSTEM = "waiting_for_system"
    TASK_OPENED = "task_opened"
    TASK_DONE = "task_done"
    # A task that will never be done, with the reason (cases.tasks, Art. 5(2)).
    TASK_NOT_DONE = "task_not_done"
    TASK_ANSWER_RECEIVED = "task_answer_received"
    # Retention and the register.
    RETENTION_PURGE = "retention_purge"
    RETENTION_ANONYMISE = "retention_anonymise"
    REGISTER_IMPORT = "register_import"
    # Mail intake.
    RECLASSIFIED = "reclassified"
    THIRD_PARTY_MESSAGE = "third_party_message"
    # A colleague's mail in a case's thread (the controller's own domains): not a third
    # party's, and not the data subject's either, so no code, identity or clock of theirs.
    COLLEAGUE_MESSAGE = "colleague_message"
    # A request in a case's thread that the case cannot hold: it has a case of its own.
    SEPARATE_CASE_OPENED = "separate_case_opened"
    # A reply in a case's thread asks for a right to another person's data: a person decides.
    OTHERS_DATA_IN_THREAD = "others_data_in_thread"
    NON_REQUEST = "non_request"
    QUARANTINE = "quarantine"
    MACHINE_MAIL = "machine_mail"
    BOUNCE = "bounce"
    MAIL_ORIGINAL_REDACTED = "mail_original_redacted"
    FORWARDED_REQUEST = "forwarded_request"
    # Slack.
    SLACK_ACCESS_DENIED = "slack_access_denied"
