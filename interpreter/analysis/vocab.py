"""What the editor tools tell about the language: diagnostic codes, activity types, step words."""

from __future__ import annotations

# The language reference's table of diagnostic codes (spec §8), for hover and links.
CODES: dict[str, str] = {
    "E001": "syntax error: the message says what was expected",
    "E101": "`wait` in an executable campaign (executables run synchronously, they cannot wait)",
    "E102": "`webhook` in an executable campaign",
    "E103": "trigger (`on`) in an executable campaign",
    "E201": "`call`/`request` of an undefined campaign",
    "E202": "`call` of a campaign that is not executable",
    "E203": "`request` of an executable, or of a campaign without `on requested;`",
    "E204": "cycle of `call`s",
    "E205": "executables nested deeper than the limit (a parent and three levels)",
    "E301": "undefined field (closed schema)",
    "E302": "undefined token",
    "E303": "undefined function, or wrong number of arguments",
    "E304": "type mismatch",
    "E305": "duplicate name",
    "E306": "undefined webhook, program or status; `change status to` outside a program",
    "E307": "import not found",
    "E401": "clause after a step",
    "E402": "`schedule` on a campaign that is not batch",
    "W101": "unreachable step after `stop;`",
    "W102": "executable campaign never called",
    "W103": "`call` inside `retry` to an executable that qualifies once",
}


# One line of help per step and clause keyword, shown beside the completion.
STEP_HELP: dict[str, str] = {
    "set": "set FIELD = EXPR;  (Change Data Value; += / -= is Change Score)",
    "call": "call EXECUTABLE;  (Execute Campaign, synchronous)",
    "request": "request CAMPAIGN;  (Request Campaign, queued)",
    "send": 'send email "NAME"; / send alert "NAME" to EXPR;',
    "wait": "wait DURATION; / wait until EXPR;",
    "webhook": "webhook NAME;  (Call Webhook)",
    "add": 'add to list "LIST";',
    "remove": 'remove from list "LIST";',
    "change": 'change status to "STATUS";',
    "moment": 'moment "TEXT";  (Interesting Moment)',
    "stop": "stop;  (Remove from Flow)",
    "fail": 'fail "MESSAGE";',
    "if": "if COND then < ... > elif ... else < ... >",
    "retry": "retry N times < ... > until COND;",
    "on": "on TRIGGER;  (Smart List trigger)",
    "where": "where COND;  (Smart List filter)",
    "qualify": "qualify once; / qualify every time; / qualify once every DURATION;",
    "schedule": 'schedule at "DATETIME"; / schedule every day at "HH:MM";',
}
