"""Tables. Money in integer cents (BigInteger); dates as Date; the explanation as JSON text."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class IntakeFile(Base):
    """A file (or an API batch) taken in: a second copy is refused whole (8067), and a Vektis
    invoice number given before refuses the file too (0030). The one memory of what was sent."""
    __tablename__ = "intake_file"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    invoice_number: Mapped[str | None] = mapped_column(String(64), index=True)
    kind: Mapped[str | None] = mapped_column(String(16))   # csv | parquet | json | ndjson | pm304 | zh308 | fhir | api
    received: Mapped[dt.date] = mapped_column(Date)
    lines: Mapped[int] = mapped_column(Integer)
    repeats: Mapped[int] = mapped_column(Integer, default=0)
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ClaimLine(Base):
    """A claim line as taken in (the engine's line schema), once per line id; never updated."""
    __tablename__ = "claim_line"
    line_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("intake_file.id"))
    claim_id: Mapped[str | None] = mapped_column(String(64))
    member_id: Mapped[str] = mapped_column(String(64), index=True)
    bsn: Mapped[str | None] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(16))
    submitted_by: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    received: Mapped[dt.date] = mapped_column(Date)
    service_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    code: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(BigInteger)
    declared: Mapped[int] = mapped_column(BigInteger)
    diagnosis: Mapped[str | None] = mapped_column(String(16))
    csi: Mapped[str | None] = mapped_column(String(8))
    referral_by: Mapped[str | None] = mapped_column(String(16))
    referral_date: Mapped[dt.date | None] = mapped_column(Date)
    indication_by: Mapped[str | None] = mapped_column(String(16))
    indication_kind: Mapped[str | None] = mapped_column(String(32))
    onset_date: Mapped[dt.date | None] = mapped_column(Date)
    provider_name: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))      # where the care was given (ISO 3166-1); none: NL
    authorization: Mapped[str | None] = mapped_column(String(64))
    credits: Mapped[str | None] = mapped_column(String(64))


class PendingLine(Base):
    """The work queue: a line waits here from intake until the batch that decides it deletes it."""
    __tablename__ = "pending_line"
    line_id: Mapped[str] = mapped_column(ForeignKey("claim_line.line_id"), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), index=True)


class IntakeRepeat(Base):
    """A line sent again: recorded with 8021, never decided or paid again."""
    __tablename__ = "intake_repeat"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("intake_file.id"))
    line_id: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(4), default="8021")


class Batch(Base):
    __tablename__ = "batch"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lines: Mapped[int] = mapped_column(Integer)
    done_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Decision(Base):
    __tablename__ = "decision"
    line_id: Mapped[str] = mapped_column(ForeignKey("claim_line.line_id"), primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"))
    member_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    declared: Mapped[int] = mapped_column(BigInteger)
    allowed: Mapped[int] = mapped_column(BigInteger)
    deductible: Mapped[int] = mapped_column(BigInteger)
    paid: Mapped[int] = mapped_column(BigInteger)
    payee: Mapped[str] = mapped_column(String(16))
    payer: Mapped[str | None] = mapped_column(String(64))
    codes: Mapped[str] = mapped_column(String(16))          # up to three codes, ';'-separated
    explanation: Mapped[str] = mapped_column(Text)          # the steps, compact JSON (store/explanations.py)
    superseded_by: Mapped[str | None] = mapped_column(String(64))  # the line that re-decided it (reconsideration)


class ExplanationSource(Base):
    """The public sources the stored explanations cite, each once; a stored step names its number
    (store/explanations.py)."""
    __tablename__ = "explanation_source"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text, unique=True)


# the engine's state, one table per State frame (engine/state.py)
class StateHistory(Base):
    """One row per decided line (engine/state.py). A batch reads only the rows it can touch: by
    line id, by service key, by the debit a credit reverses; and each member-year's deductible as
    a sum, from the (member, year, deductible) index alone."""
    __tablename__ = "state_history"
    __table_args__ = (Index("ix_state_history_member_year", "member_id", "ded_year", "deductible"),)
    line_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(64))
    service_date: Mapped[dt.date] = mapped_column(Date)
    ded_year: Mapped[int] = mapped_column(Integer)
    declared: Mapped[int] = mapped_column(BigInteger)
    allowed: Mapped[int] = mapped_column(BigInteger)
    deductible: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    credits: Mapped[str | None] = mapped_column(String(64), index=True)
    svc_key: Mapped[str] = mapped_column(String(200), index=True)


class StateShare(Base):
    __tablename__ = "state_share"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_id: Mapped[str] = mapped_column(String(64), index=True)
    member_id: Mapped[str] = mapped_column(String(64), index=True)
    product: Mapped[str] = mapped_column(String(64))
    benefit: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    deductible: Mapped[int] = mapped_column(BigInteger)


class StateCounter(Base):
    __tablename__ = "state_counter"
    counter_key: Mapped[str] = mapped_column(String(250), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), index=True)
    first: Mapped[dt.date | None] = mapped_column(Date)
    total: Mapped[int] = mapped_column(BigInteger)
    pstart: Mapped[dt.date | None] = mapped_column(Date)
    pcount: Mapped[int] = mapped_column(BigInteger)
    yamount: Mapped[int] = mapped_column(BigInteger)


class StateEffect(Base):
    __tablename__ = "state_effect"
    __table_args__ = (UniqueConstraint("line_id", "counter_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_id: Mapped[str] = mapped_column(String(64))      # found by the unique (line_id, counter_key) index
    member_id: Mapped[str] = mapped_column(String(64), index=True)
    counter_key: Mapped[str] = mapped_column(String(250))
    count: Mapped[int] = mapped_column(BigInteger)
    pcount: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    period: Mapped[dt.date | None] = mapped_column(Date)
    # a line that started a new window on an authorization: the window before it, and its count
    prev_period: Mapped[dt.date | None] = mapped_column(Date)
    prev_pcount: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class StoreLock(Base):
    """One row; a SQLite writer updates it first to take the database's write lock before reading state."""
    __tablename__ = "store_lock"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


# the ledger (zorgclaim.ledger): transfers from a debit to a credit account; each balances by construction
class LedgerTransaction(Base):
    """What a group of transfers was for: a batch of decisions, a payment run, a reconsideration."""
    __tablename__ = "ledger_transaction"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))           # decisions | payment | reconsideration
    booked: Mapped[dt.date] = mapped_column(Date, index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"))
    payment_run_id: Mapped[int | None] = mapped_column(ForeignKey("payment_run.id"))
    memo: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ProviderYearPatient(Base):
    """What a provider declared for a patient in a year of service, over the decided lines (no
    credits): the provider-variance measure's sums, kept as lines are decided (store/variance.py)."""
    __tablename__ = "provider_year_patient"
    # (on SQLite the rows live in the primary key's own b-tree: the refresh reads half the pages)
    __table_args__ = {"sqlite_with_rowid": False}
    provider: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    declared: Mapped[int] = mapped_column(BigInteger)


class ProviderYear(Base):
    """Per provider and year of service: how many patients and how much declared, over
    provider_year_patient - kept by the database itself (triggers of migration 0016: a new patient
    row adds a patient and its amount, an added amount adds the difference), so a refresh of the
    variance list reads one row per provider-year."""
    __tablename__ = "provider_year"
    provider: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    patients: Mapped[int] = mapped_column(BigInteger)
    declared: Mapped[int] = mapped_column(BigInteger)


class MemberDeductible(Base):
    """The deductible a member used in a year (ded_year), over every history row: kept by the
    engine-state writer in the same transaction as the rows, so a batch reads one row per
    member-year instead of summing the member's whole history."""
    __tablename__ = "member_deductible"
    __table_args__ = {"sqlite_with_rowid": False}
    member_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    used: Mapped[int] = mapped_column(BigInteger)


class AccountBalance(Base):
    """Each account's balance over every transfer booked so far (credits in, debits out), kept by
    `ledger.insert_transfers` in the same transaction as the transfers: a payment run reads what it
    owes from here and the few recent legs, not from the whole ledger."""
    __tablename__ = "account_balance"
    account: Mapped[str] = mapped_column(String(80), primary_key=True)
    balance: Mapped[int] = mapped_column(BigInteger)


class Transfer(Base):
    """`amount` cents from `debit` to `credit`. The CHECKs make every transfer - so every transaction,
    and the ledger as a whole - sum to zero over all accounts."""
    __tablename__ = "transfer"
    __table_args__ = (CheckConstraint("amount > 0", name="transfer_amount_positive"),
                      CheckConstraint("debit <> credit", name="transfer_two_accounts"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transaction.id"), index=True)
    line_id: Mapped[str | None] = mapped_column(String(64), index=True)
    debit: Mapped[str] = mapped_column(String(80), index=True)
    credit: Mapped[str] = mapped_column(String(80), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    due: Mapped[dt.date] = mapped_column(Date, index=True)


class PaymentRun(Base):
    __tablename__ = "payment_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_date: Mapped[dt.date] = mapped_column(Date)
    execution_date: Mapped[dt.date] = mapped_column(Date)
    payments: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)
    file: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Payment(Base):
    __tablename__ = "payment"
    __table_args__ = (CheckConstraint("amount > 0", name="payment_amount_positive"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("payment_run.id"), index=True)
    account: Mapped[str] = mapped_column(String(80), index=True)
    name: Mapped[str] = mapped_column(String(200))
    iban: Mapped[str] = mapped_column(String(34))
    amount: Mapped[int] = mapped_column(BigInteger)
    end_to_end: Mapped[str] = mapped_column(String(35), unique=True)


class DeductibleInvoice(Base):
    """An invoice to a member for deductible charged on care the provider billed directly."""
    __tablename__ = "deductible_invoice"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), index=True)
    invoice_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class DeductibleUninvoiced(Base):
    """The transfers on a deductible account that no invoice has collected yet (a work queue, kept
    by `ledger.insert_transfers` and emptied by the invoice run): an invoice run reads these, not
    every deductible transfer ever booked."""
    __tablename__ = "deductible_uninvoiced"
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfer.id"), primary_key=True)


class DeductibleInvoiceItem(Base):
    """The transfers an invoice collects; a transfer is on one invoice at most (primary key)."""
    __tablename__ = "deductible_invoice_item"
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfer.id"), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("deductible_invoice.id"), index=True)


# reconsideration and its audit trail
class AddedAuthorization(Base):
    """An authorization in the store, on top of the world's: added by a reconsideration (active), or
    requested by a provider or member (requested) and then granted (active) or refused (denied) by a
    medical adviser. Every later decision reads it."""
    __tablename__ = "added_authorization"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), index=True)
    benefit: Mapped[str] = mapped_column(String(64))
    from_: Mapped[dt.date] = mapped_column("from", Date)
    to: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))         # requested | active | denied
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)
    provider: Mapped[str | None] = mapped_column(String(16), index=True)   # who asked, for a provider's request
    request_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)


class Reconsideration(Base):
    __tablename__ = "reconsideration"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_id: Mapped[str] = mapped_column(ForeignKey("claim_line.line_id"), index=True)
    credit_line_id: Mapped[str | None] = mapped_column(String(64))
    new_line_id: Mapped[str] = mapped_column(String(64))
    requested_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    changes: Mapped[str] = mapped_column(Text)              # JSON: field -> [old, new]
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class AuditEvent(Base):
    """Who did what to which line, when and why; never updated or deleted."""
    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    line_id: Mapped[str | None] = mapped_column(String(64), index=True)
    detail: Mapped[str] = mapped_column(Text)               # JSON
    reason: Mapped[str | None] = mapped_column(Text)


class PriorTreatment(Base):
    """Treatments given before the member came to this insurer, from the provider's statement
    (engine.prior_treatments): entered once, added to the member's per-condition counter."""
    __tablename__ = "prior_treatment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[str] = mapped_column(String(64), index=True)
    benefit: Mapped[str] = mapped_column(String(64))
    diagnosis: Mapped[str] = mapped_column(String(16))
    started: Mapped[dt.date] = mapped_column(Date)
    treatments: Mapped[int] = mapped_column(Integer)
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (CheckConstraint("treatments > 0", name="ck_prior_treatment_positive"),)


class LineAttachment(Base):
    """A document sent with a line (a member's nota as PDF or photo), kept with it."""
    __tablename__ = "line_attachment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_id: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime)


# the review queue and the service
class ReviewItem(Base):
    """A line held for a person: why (the rule, its queue), what the engine proposed, who took it and
    what was decided. The line's decision row shows the proposal (status pended) until a person
    decides; then it is the final decision and this row keeps the proposal."""
    __tablename__ = "review_item"
    __table_args__ = (CheckConstraint("state IN ('open', 'taken', 'decided')", name="review_item_state"),)
    line_id: Mapped[str] = mapped_column(ForeignKey("claim_line.line_id"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(64), index=True)
    queue: Mapped[str] = mapped_column(String(16), index=True)        # handler | medical
    state: Mapped[str] = mapped_column(String(16), index=True)        # open | taken | decided
    member_id: Mapped[str] = mapped_column(String(64), index=True)
    provider: Mapped[str] = mapped_column(String(16), index=True)
    care_kind: Mapped[str | None] = mapped_column(String(32), index=True)
    declared: Mapped[int] = mapped_column(BigInteger)
    proposal: Mapped[str] = mapped_column(Text)                       # JSON: status, allowed, deductible, paid, payer, codes
    pended_at: Mapped[dt.datetime] = mapped_column(DateTime)
    taken_by: Mapped[str | None] = mapped_column(String(100))
    taken_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_role: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    action: Mapped[str | None] = mapped_column(String(16))            # accept | change | reject
    allowed_max: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)


class ReconsiderationRequest(Base):
    """A member or provider asks for a line to be decided again (heroverweging); a claims handler
    carries it out (a Reconsideration) or answers it."""
    __tablename__ = "reconsideration_request"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_id: Mapped[str] = mapped_column(ForeignKey("claim_line.line_id"), index=True)
    asked_by: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), index=True)       # open | done
    asked_at: Mapped[dt.datetime] = mapped_column(DateTime)
    handled_by: Mapped[str | None] = mapped_column(String(100))
    handled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    outcome: Mapped[str | None] = mapped_column(Text)


class WatchEntry(Base):
    """A member or provider on the watch list of a review rule (added by staff, or computed: provider variance)."""
    __tablename__ = "watch_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))                     # member | provider
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    from_: Mapped[dt.date | None] = mapped_column("from", Date)
    to: Mapped[dt.date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime)


class AppUser(Base):
    """A user of the service (the embedded identity provider): name, role, the member or provider it
    acts for, and an argon2 hash of the password."""
    __tablename__ = "app_user"
    __table_args__ = (CheckConstraint("role IN ('member', 'provider', 'handler', 'medical_adviser', 'finance', 'admin')",
                                      name="app_user_role"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    member_id: Mapped[str | None] = mapped_column(String(64))
    provider: Mapped[str | None] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class AccessLog(Base):
    """Who read or changed whose health data, as what, when (never a BSN)."""
    __tablename__ = "access_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(60))
    subject_kind: Mapped[str] = mapped_column(String(16))             # member | line | provider | claim | job
    subject_id: Mapped[str] = mapped_column(String(64), index=True)


class IdempotencyRecord(Base):
    """The first answer to a request sent with an Idempotency-Key: a retry gets it back, and books nothing."""
    __tablename__ = "idempotency_record"
    actor: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Job(Base):
    """An uploaded file taken in and decided in the background; its result and, for PM304, the PM305 return."""
    __tablename__ = "job"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))                     # the format read
    name: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))                   # queued | running | done | failed
    actor: Mapped[str] = mapped_column(String(100), index=True)
    provider: Mapped[str | None] = mapped_column(String(16))
    member_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    result: Mapped[str | None] = mapped_column(Text)                  # JSON
    return_name: Mapped[str | None] = mapped_column(String(500))
    return_file: Mapped[str | None] = mapped_column(Text)             # e.g. the PM305 message (latin-1 text)


__all__ = ["Base", "IntakeFile", "ClaimLine", "PendingLine", "IntakeRepeat", "Batch", "Decision", "StateHistory", "MemberDeductible", "ProviderYear", "StateShare",
           "StateCounter", "StateEffect", "Boolean", "StoreLock", "LedgerTransaction", "Transfer", "PaymentRun", "Payment",
           "DeductibleInvoice", "DeductibleInvoiceItem", "AddedAuthorization", "Reconsideration", "AuditEvent",
           "ReviewItem", "ReconsiderationRequest", "WatchEntry", "AppUser", "AccessLog", "IdempotencyRecord", "Job"]
