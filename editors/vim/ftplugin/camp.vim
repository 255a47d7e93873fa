" Vim filetype plugin
" Language:    Camp (marketing-automation campaigns, *.camp)

if exists('b:did_ftplugin')
  finish
endif
let b:did_ftplugin = 1

" `#` comments, for gc/commentary plugins, Neovim's built-in gc, and gq/formatting.
setlocal commentstring=#\ %s
setlocal comments=:#
setlocal formatoptions-=t formatoptions+=croql
" Blocks are delimited by < and >: let % jump between them.
setlocal matchpairs+=<:>
setlocal iskeyword=@,48-57,_

let b:undo_ftplugin = 'setlocal commentstring< comments< formatoptions< matchpairs< iskeyword<'
