// The .llie language: a file of imports, file-level constants and block/model/train declarations.
// compiler/frontend/parse.cpp walks the parse tree into the AST (compiler/frontend/ast.h) and
// compiler/frontend/syntax_errors.cpp turns ANTLR's syntax errors into diagnostics. Newlines are
// not significant; '#' starts a comment. Any statement may end with ';', which is needed only
// where a comma list would run on: `require a, b; c, d = f()`.
// Expression rules go from lowest to highest precedence. Some checks that would give poor ANTLR
// messages are left to the builder: the right side of `|>` (any orExpr here), keyword-before-
// positional ordering, type names, chained comparisons, integer overflow and string escapes.
grammar Llie;

module_    : (importDecl | letDecl | blockDecl)* EOF ;

importDecl : 'import' STRING ;
letDecl    : 'let' ID '=' expr ;
blockDecl  : kind=('block' | 'model' | 'train') ID '(' paramList? ')' ('->' outputs)?
             '{' stmt* '}' ;
paramList  : param (',' param)* ','? ;
param      : ID (':' typeSpec)? ('=' expr)? ;
typeSpec   : ID                                      # namedType
           | '[' expr (',' expr)* ']'                # shapeType
           ;
outputs    : ID                                      # singleOutput
           | '(' ID (',' ID)* ','? ')'               # tupleOutputs
           ;

// ---- statements --------------------------------------------------------------------------------
stmt       : (assignStmt | ifStmt | forStmt | requireStmt | paramStmt | lossStmt) ';'? ;
assignStmt : ID (',' ID)* '=' expr ;
ifStmt     : 'if' expr body ('else' (ifStmt | body))? ;
forStmt    : 'for' ID 'in' expr body ;
requireStmt: 'require' expr (',' expr)* ;
paramStmt  : kind=('param' | 'state') ID ':' '[' expr (',' expr)* ']' ('=' expr)? ;
lossStmt   : 'loss' ID '=' expr ;
body       : '{' stmt* '}' ;

// ---- expressions, lowest precedence first ------------------------------------------------------
expr       : orExpr ('|>' orExpr)* ;
orExpr     : andExpr ('or' andExpr)* ;
andExpr    : notExpr ('and' notExpr)* ;
notExpr    : 'not'* cmpExpr ;
cmpExpr    : addExpr (op=('==' | '!=' | '<' | '<=' | '>' | '>=') addExpr)* ;
addExpr    : mulExpr (op=('+' | '-') mulExpr)* ;
mulExpr    : unaryExpr (op=('*' | '/' | '//' | '%' | '@') unaryExpr)* ;
unaryExpr  : '-'* powerExpr ;
// Right-associative, folded by the builder; `2 ** -1` is allowed. Prefix operators and `**` are
// loops rather than recursion so that long chains cannot exhaust the stack.
powerExpr  : postfixExpr ('**' '-'* postfixExpr)* ;
postfixExpr: atom postfixOp* ;
postfixOp  : '.' ID                                  # memberOp
           | '[' expr ']'                            # indexOp
           ;
atom       : INT                                     # intAtom
           | FLOAT                                   # floatAtom
           | STRING                                  # stringAtom
           | ('true' | 'false')                      # boolAtom
           | ID '(' argList? ')'                     # callAtom
           | ID                                      # identAtom
           | '[' (expr (',' expr)* ','?)? ']'        # listAtom
           | '(' expr ')'                            # parenAtom
           ;
argList    : arg (',' arg)* ','? ;
arg        : ID '=' expr | expr ;

// ---- tokens --------------------------------------------------------------------------------------
INT        : [0-9]+ ;
FLOAT      : [0-9]+ '.' [0-9]* EXPONENT? | '.' [0-9]+ EXPONENT? | [0-9]+ EXPONENT ;
fragment EXPONENT : [eE] [+-]? [0-9]+ ;
STRING     : '"' ( '\\' ~[\r\n] | ~["\\\r\n] )* '"' ;
// A string cut off by the end of its line: a token of its own so that the error says so.
UNTERMINATED_STRING : '"' ( '\\' ~[\r\n] | ~["\\\r\n] )* '\\'? ;
ID         : [a-zA-Z_] [a-zA-Z_0-9]* ;
COMMENT    : '#' ~[\r\n]* -> skip ;
WS         : [ \t\r\n\uFEFF]+ -> skip ;
// Anything else: the parser reports it as "unexpected character", so the lexer never fails.
ERRCHAR    : . ;
