" Camp campaign files
au BufRead,BufNewFile *.camp set filetype=camp
