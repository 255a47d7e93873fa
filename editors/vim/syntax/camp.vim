" Vim syntax file
" Language:    Camp (marketing-automation campaigns, *.camp)
" Maintainer:  the Camp project (editors/vim in the camp-lang repository)
"
" Camp's keywords are soft: `email`, `status`, `list`, `created`... are also lead
" field names. So step and clause words are keywords only where a statement
" starts (at the start of a line, or after `;`, `<` or `>`), and the other words
" of a phrase (`send operational email`, `add to list`, `change status to`,
" `on status change in`...) only after the word that opens it. `<` and `>` are
" block delimiters after `then`, `else`, `times` and a declaration's name, and at
" a statement start; elsewhere they are comparisons.

if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim

syn case match
syn sync minlines=50

" Where a statement may start: line start, or after ; < > (with blanks between).
let s:ss = '\%(\%(^\|[;<>]\)\s*\)\@<='
" Not a field definition (`url: text;` in a fields block).
let s:nodef = '\%(\s*:\)\@!'

" ---- expressions (defined first: the contextual items below win over them) ----

syn match   campFunction      /\<\h\w*\%(\s*(\)\@=/
syn match   campBuiltin       /\<\%(lower\|upper\|trim\|title\|length\|replace\|substring\|split_part\|concat\|coalesce\|email_domain\|is_valid_email\|country_code\|country_name\|state_code\|phone_e164\|round\|abs\|min\|max\|today\|now\|date\|datetime\|days_between\|add_days\|matches\)\%(\s*(\)\@=/
syn match   campNumber        /\<\d\+\%(\.\d\+\)\=\>/
syn match   campOperator      /==\|!=\|<=\|>=\|+=\|-=\|[-+*\/%=<>]/
syn keyword campOperatorWord  and or not is
" (`contains` is an option name for :syn keyword, so these are matches)
syn match   campOperatorWord  /\<\%(in\|with\|contains\|starts\|ends\|between\|empty\|past\)\>/
syn match   campOperatorWord  /\<member\s\+of\s\+\%(list\|program\)\>/
syn keyword campDurationUnit  monday tuesday wednesday thursday friday saturday sunday
syn keyword campBoolean       true false
syn keyword campNull          null
syn match   campLanguageVar   /\<\%(lead\|my\)\>/
syn match   campFieldRef      /\<lead\s*\.\s*\%(\h\w*\|`[^`]\+`\)/
syn match   campTokenRef      /\<my\s*\.\s*\h\w*/
syn match   campQuotedField   /`[^`]\+`/

" A duration: `7 days`, `in past 30 days`, `wait 2 hours`.
syn match   campDurationUnit  /\%(\<\d\+\%(\.\d\+\)\=\s\+\)\@<=\<\%(minute\|minutes\|hour\|hours\|day\|days\|week\|weeks\|month\|months\)\>/

" ---- strings and {{tokens}} ----

syn match   campEscapeError   contained /\\./
syn match   campEscape        contained /\\\%(["\\nt]\|u\x\{4}\)/
syn match   campStringToken   contained /{{[^{}"]\{-}}}/
syn region  campString        start=/"/ skip=/\\\\\|\\"/ end=/"\|$/ oneline contains=campEscapeError,campEscape,campStringToken,@Spell

" ---- comments ----

syn keyword campTodo          contained TODO FIXME XXX NOTE
syn match   campComment       /#.*$/ contains=campTodo,@Spell

" ---- declarations ----

exe 'syn match campInclude       /' . s:ss . '\<import\>' . s:nodef . '/'
exe 'syn match campStructure     /' . s:ss . '\<\%(fields\|program\|statuses\|success\)\>' . s:nodef . '/'
exe 'syn match campStorageClass  /' . s:ss . '\<executable\>' . s:nodef . '/'
" tests (docs/testing.md)
exe 'syn match campStructure     /' . s:ss . '\<test\>' . s:nodef . '/'
exe 'syn match campTestKw        /' . s:ss . '\<\%(expect\|fire\|advance\|mock\)\>' . s:nodef . '/'
syn match   campTestKw        /\%(\<expect\s\+\%(\d\+\s\+\|no\s\+\)\=\)\@<=\<\%(activity\|no\|error\)\>/
syn match   campTestKw        /\<returns\>/
exe 'syn match campStructure     /' . s:ss . '\<campaign\>' . s:nodef . '/ nextgroup=campCampaignName skipwhite'
syn match   campStructure     /\%(\<executable\s\+\)\@<=\<campaign\>/ nextgroup=campCampaignName skipwhite
exe 'syn match campStructure     /' . s:ss . '\<token\>' . s:nodef . '/ nextgroup=campTokenName skipwhite'
exe 'syn match campWebhookKw     /' . s:ss . '\<\%(url\|method\|header\|body\|response\)\>' . s:nodef . '/'
" a field's type, after `:`
syn match   campType          /\%(:\s*\)\@<=\<\%(text\|number\|boolean\|date\|datetime\)\>/
" names: after `campaign`, `call`/`request`, `webhook` and `token` (see nextgroup=)
syn match   campCampaignName  contained /\h\w*/ nextgroup=campWithParent skipwhite
syn match   campWithParent    contained /\<with\s\+parent\s\+tokens\>/
syn match   campWebhookName   contained /\h\w*/
syn match   campTokenName     contained /\h\w*/

" ---- clauses ----

exe 'syn match campClause        /' . s:ss . '\<\%(on\|where\|qualify\|schedule\)\>' . s:nodef . '/'
" on form|page|click|event "X";  on change FIELD;  on created;  on requested;
" on added to list "X";  on status change in "P";
syn match   campTrigger       /\%(\<on\s\+\)\@<=\<\%(form\|page\|click\|change\|created\|requested\|added\|status\|event\)\>/
syn match   campTrigger       /\%(\<on\s\+added\s\+\)\@<=\<to\>/
syn match   campTrigger       /\%(\<on\s\+added\s\+to\s\+\)\@<=\<list\>/
syn match   campTrigger       /\%(\<on\s\+status\s\+\)\@<=\<change\>/
syn match   campTrigger       /\%(\<on\s\+status\s\+change\s\+\)\@<=\<in\>/
" qualify once; qualify every time; qualify once every 7 days;
syn match   campClauseWord    /\%(\<qualify\s\+\%(\a\+\s\+\)\=\)\@<=\<\%(once\|every\|time\)\>/
" schedule at "..."; schedule every day at "02:00";
syn match   campClauseWord    /\%(\<schedule\s\+\%(\a\+\s\+\)\{0,2}\)\@<=\<\%(every\|at\)\>/
syn match   campDurationUnit  /\%(\<schedule\s\+every\s\+\)\@<=\<day\>/

" ---- steps ----

exe 'syn match campStep          /' . s:ss . '\<\%(set\|send\|wait\|add\|remove\|change\|moment\)\>' . s:nodef . '/'
exe 'syn match campStep          /' . s:ss . '\<\%(call\|request\)\>' . s:nodef . '/ nextgroup=campCampaignName skipwhite'
exe 'syn match campStep          /' . s:ss . '\<webhook\>' . s:nodef . '/ nextgroup=campWebhookName skipwhite'
exe 'syn match campException     /' . s:ss . '\<\%(stop\|fail\)\>' . s:nodef . '/'
exe 'syn match campConditional   /' . s:ss . '\<if\>' . s:nodef . '/'
exe 'syn match campRepeat        /' . s:ss . '\<\%(retry\|times\)\>' . s:nodef . '/'
syn match   campConditional   /\<\%(then\|elif\|else\)\>/
syn match   campRepeat        /\<until\>/
syn match   campRepeat        /\%(\d\s\+\)\@<=\<times\>/
" the other words of a step's phrase
syn match   campStep          /\%(\<send\s\+\)\@<=\<\%(operational\|alert\)\>/
syn match   campStep          /\%(\<send\s\+\%(operational\s\+\)\=\)\@<=\<email\>/
syn match   campStep          /\%(\<add\s\+\)\@<=\<to\>/
syn match   campStep          /\%(\<remove\s\+\)\@<=\<from\>/
syn match   campStep          /\%(\<\%(add\s\+to\|remove\s\+from\)\s\+\)\@<=\<list\>/
exe 'syn match campStep          /\%(\%(^\|[;<>]\)\s*\<change\s\+\)\@<=\<status\>/'
syn match   campStep          /\%(\<change\s\+status\s\+\)\@<=\<\%(to\|in\)\>/
" `send alert "X" to EXPR;` and `change status in "P" to "S";`
syn match   campStep          /\%("\s*\)\@<=\<to\>/
syn match   campStep          /\<with\s\+parent\s\+tokens\>/
" `webhook NAME <` declares a webhook, `webhook NAME;` calls it
exe 'syn match campStructure     /' . s:ss . '\<webhook\>\%(\s\+\h\w*\s*\%(<\|#\|$\)\)\@=/ nextgroup=campWebhookName skipwhite'

" ---- blocks: `<` after then/else/times/a declaration header, `>` at a statement start ----

syn match   campBlock         /\%(\<\%(then\|else\|times\|fields\)\s*\)\@<=<=\@!/
syn match   campBlock         /\%(\<\%(campaign\|webhook\)\s\+\h\w*\s*\)\@<=<=\@!/
syn match   campBlock         /\%(\<program\s\+"\%([^"\\]\|\\.\)*"\s*\)\@<=<=\@!/
syn match   campBlock         /\%(^\s*\)\@<=<=\@!/
exe 'syn match campBlock         /' . s:ss . '>=\@!/'

" ---- default links ----

hi def link campComment       Comment
hi def link campTodo          Todo
hi def link campString        String
hi def link campEscape        SpecialChar
hi def link campEscapeError   Error
hi def link campStringToken   Identifier
hi def link campNumber        Number
hi def link campDurationUnit  Special
hi def link campBoolean       Boolean
hi def link campNull          Constant
hi def link campOperator      Operator
hi def link campOperatorWord  Operator
hi def link campLanguageVar   Identifier
hi def link campFieldRef      Identifier
hi def link campTokenRef      Identifier
hi def link campQuotedField   Identifier
hi def link campFunction      Function
hi def link campBuiltin       Function
hi def link campInclude       Include
hi def link campStructure     Structure
hi def link campStorageClass  StorageClass
hi def link campWebhookKw     Keyword
hi def link campTestKw        Keyword
hi def link campType          Type
hi def link campCampaignName  Function
hi def link campWebhookName   Function
hi def link campTokenName     Identifier
hi def link campWithParent    Statement
hi def link campClause        Keyword
hi def link campClauseWord    Keyword
hi def link campTrigger       Keyword
hi def link campStep          Statement
hi def link campException     Exception
hi def link campConditional   Conditional
hi def link campRepeat        Repeat
hi def link campBlock         Delimiter

let b:current_syntax = 'camp'

let &cpo = s:cpo_save
unlet s:cpo_save s:ss s:nodef
