// placeholder until the frontend lands
grammar Llie;
module_ : ID* EOF ;
ID : [a-z]+ ;
WS : [ \t\r\n]+ -> skip ;
