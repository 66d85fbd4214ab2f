// The Hoso rules language. ANTLR generates C++ from this file into the build
// directory; only compiler/parse/ sees the generated code.
//
// Design notes:
// - Most keywords are "soft": `name` accepts them, so a field may be called
//   `level` or `title` without quoting.
// - Clauses inside procedures and rules may come in any order; the checker,
//   not the parser, says what is missing (better diagnostics, one place).
// - Comments go to a hidden channel so `hoso fmt` can put them back.
grammar Hoso;

file : moduleDecl? useDecl* decl* EOF ;

moduleDecl : MODULE qname ;
useDecl    : USE qname ;

decl
  : procedureDecl
  | decentraliseDecl
  | delegateDecl
  | enumDecl
  | functionDecl
  | testDecl
  | scenarioDecl
  | levelDecl
  | chainDecl
  | policyDecl
  ;

qname : name ('.' name)* ;

// ---------------------------------------------------------------- registry
// level commune "Xã" { agency economy "Phòng Kinh tế" role chairman "Chủ tịch" }
levelDecl : LEVEL name STRING? '{' levelMember* '}' ;
levelMember
  : AGENCY name STRING? ('{' roleDecl* '}')?   # agencyMember
  | roleDecl                                     # roleMember
  ;
roleDecl : ROLE name STRING? ;

// ---------------------------------------------------------------- procedures
procedureDecl : PROCEDURE name '{' procItem* '}' ;

procItem
  : CODE STRING                                  # codeItem
  | TITLE STRING                                 # titleItem
  | SECTOR name                                  # sectorItem
  | BASIS STRING (',' STRING)*                   # basisItem
  | LEVEL name                                   # levelItem
  | DEADLINE expr                                # deadlineItem
  | RECEIVE (ANYWHERE IN name | AT qname)        # receiveItem
  | ONLINE name                                  # onlineItem
  | FEE expr                                     # feeItem
  | SUPPLEMENT name                              # supplementItem
  | DOSSIER '{' dossierMember* '}'               # dossierItem
  | ROUTE '{' routeArm* '}'                      # routeItem
  | STEPS '{' stepDecl* '}'                      # stepsItem
  | WARN expr BEFORE DUE                         # warnItem
  | ON LATE ('{' lateAction* '}' | USE qname)    # lateItem
  ;

dossierMember
  : name ':' typeRef ('=' expr)?                 # fieldMember
  | REQUIRE expr ELSE STRING                     # requireMember
  ;

typeRef
  : WORKING (DAYS | DAY | HOURS | HOUR)          # workingType
  | CALENDAR (DAYS | DAY)                        # calendarType
  | qname                                        # namedType
  ;

routeArm
  : WHEN expr ARROW qname                        # whenArm
  | OTHERWISE ARROW qname                        # otherwiseArm
  ;

stepDecl : name stepClause* ;
stepClause
  : BY qname                                     # byClause
  | WITHIN expr                                  # withinClause
  | WHEN expr                                    # whenClause
  | YIELDS name                                  # yieldsClause
  ;

lateAction
  : APOLOGISE                                    # apologiseAction
  | NOTIFY qname                                 # notifyAction
  | ESCALATE TO qname (AFTER expr)?              # escalateAction
  ;

// on late policies shared between procedures (stdlib defines the standard ones)
policyDecl : POLICY name '{' lateAction* '}' ;

// ---------------------------------------------------------------- authority
decentraliseDecl : DECENTRALISE qname ruleClause* ;
delegateDecl     : DELEGATE qname ruleClause* ;

ruleClause
  : FROM qname                                   # fromClause
  | TO qname                                     # toClause
  | FOR qname                                    # forClause
  | WHEN expr                                    # ruleWhenClause
  | EFFECTIVE DATE (UNTIL DATE)?                 # effectiveClause
  | BASIS STRING (',' STRING)*                   # ruleBasisClause
  ;

// liên thông: a result handed on to the next procedure
chainDecl : CHAIN name STRING? '{' qname (ARROW qname)* '}' ;

// ---------------------------------------------------------------- enums, functions
enumDecl : ENUM name '{' name (','? name)* ','? '}' ;

functionDecl : FN name '(' (param (',' param)*)? ')' ARROW typeRef '=' expr ;
param : name ':' typeRef ;

// ---------------------------------------------------------------- tests, scenarios
testDecl : TEST STRING '{' testItem* '}' ;
testItem
  : GIVEN qname '{' (fieldInit (',' fieldInit)* ','?)? '}' receivedClause?  # givenItem
  | EXPECT expr                                                            # expectItem
  ;
receivedClause : RECEIVED DATE TIME? (AT expr)? ;
fieldInit : name ':' expr ;

scenarioDecl : SCENARIO STRING '{' scenarioItem* '}' ;
scenarioItem
  : PERIOD DATE RANGE DATE                                                 # periodItem
  | ARRIVALS qname expr PER name (PER name)?                               # arrivalsItem
  | CAPACITY qname expr name (',' expr name PER name PER name)?            # capacityItem
  | COMPARE RULES STRING WITH RULES STRING                                 # compareItem
  | REPORT reportMetric (',' reportMetric)*                                # reportItem
  ;
reportMetric : name name* (BY name)? ;

// ---------------------------------------------------------------- expressions
expr
  : '(' expr ')'                                           # parenExpr
  | expr '.' name                                          # memberExpr
  | name '(' (expr (',' expr)*)? ')'                       # callExpr
  | '-' expr                                               # negExpr
  | expr op=('*' | '/') expr                               # mulExpr
  | expr op=('+' | '-') expr                               # addExpr
  | expr IN expr RANGE expr                                # inRangeExpr
  | expr IN '{' expr (',' expr)* '}'                       # inSetExpr
  | expr op=('==' | '!=' | '<' | '<=' | '>' | '>=') expr   # cmpExpr
  | NOT expr                                               # notExpr
  | expr AND expr                                          # andExpr
  | expr OR expr                                           # orExpr
  | IF expr THEN expr ELSE expr                            # ifExpr
  | number unitSuffix?                                     # numberExpr
  | STRING                                                 # stringExpr
  | DATE TIME?                                             # dateExpr
  | (TRUE | FALSE)                                         # boolExpr
  | (PROVINCE | COMMUNE) STRING                            # unitLitExpr
  | name                                                   # nameExpr
  ;

number : INT | DECIMAL ;

unitSuffix
  : WORKING (DAYS | DAY | HOURS | HOUR)
  | CALENDAR (DAYS | DAY)
  | DAYS | DAY | HOURS | HOUR
  | VND | M2
  ;

// Every keyword but the literal-like ones can be a name.
name
  : ID
  | MODULE | USE | PROCEDURE | CODE | TITLE | SECTOR | BASIS | LEVEL | DEADLINE
  | RECEIVE | ANYWHERE | ONLINE | FEE | SUPPLEMENT | DOSSIER | REQUIRE | ROUTE
  | STEPS | BY | WITHIN | YIELDS | WARN | BEFORE | DUE | ON | LATE | APOLOGISE
  | NOTIFY | ESCALATE | AFTER | POLICY | DECENTRALISE | DELEGATE | FROM | TO | FOR
  | EFFECTIVE | UNTIL | CHAIN | ENUM | FN | TEST | GIVEN | EXPECT | RECEIVED
  | SCENARIO | PERIOD | ARRIVALS | CAPACITY | COMPARE | RULES | WITH | REPORT
  | AGENCY | ROLE | PROVINCE | COMMUNE | DAYS | DAY | HOURS | HOUR | WORKING
  | CALENDAR | VND | M2 | AT | PER
  ;

// ---------------------------------------------------------------- lexer
MODULE : 'module' ;
USE : 'use' ;
PROCEDURE : 'procedure' ;
CODE : 'code' ;
TITLE : 'title' ;
SECTOR : 'sector' ;
BASIS : 'basis' ;
LEVEL : 'level' ;
DEADLINE : 'deadline' ;
RECEIVE : 'receive' ;
ANYWHERE : 'anywhere' ;
ONLINE : 'online' ;
FEE : 'fee' ;
SUPPLEMENT : 'supplement' ;
DOSSIER : 'dossier' ;
REQUIRE : 'require' ;
ELSE : 'else' ;
ROUTE : 'route' ;
WHEN : 'when' ;
OTHERWISE : 'otherwise' ;
STEPS : 'steps' ;
BY : 'by' ;
WITHIN : 'within' ;
YIELDS : 'yields' ;
WARN : 'warn' ;
BEFORE : 'before' ;
DUE : 'due' ;
ON : 'on' ;
LATE : 'late' ;
APOLOGISE : 'apologise' ;
NOTIFY : 'notify' ;
ESCALATE : 'escalate' ;
AFTER : 'after' ;
POLICY : 'policy' ;
DECENTRALISE : 'decentralise' ;
DELEGATE : 'delegate' ;
FROM : 'from' ;
TO : 'to' ;
FOR : 'for' ;
EFFECTIVE : 'effective' ;
UNTIL : 'until' ;
CHAIN : 'chain' ;
ENUM : 'enum' ;
FN : 'fn' ;
TEST : 'test' ;
GIVEN : 'given' ;
EXPECT : 'expect' ;
RECEIVED : 'received' ;
SCENARIO : 'scenario' ;
PERIOD : 'period' ;
ARRIVALS : 'arrivals' ;
CAPACITY : 'capacity' ;
COMPARE : 'compare' ;
RULES : 'rules' ;
WITH : 'with' ;
REPORT : 'report' ;
AGENCY : 'agency' ;
ROLE : 'role' ;
PROVINCE : 'province' ;
COMMUNE : 'commune' ;
IN : 'in' ;
AT : 'at' ;
PER : 'per' ;
AND : 'and' ;
OR : 'or' ;
NOT : 'not' ;
IF : 'if' ;
THEN : 'then' ;
TRUE : 'true' ;
FALSE : 'false' ;
WORKING : 'working' ;
CALENDAR : 'calendar' ;
DAYS : 'days' ;
DAY : 'day' ;
HOURS : 'hours' ;
HOUR : 'hour' ;
VND : 'VND' ;
M2 : 'm2' ;

ARROW : '->' ;
RANGE : '..' ;
EQ : '==' ;
NE : '!=' ;
LE : '<=' ;
GE : '>=' ;
LT : '<' ;
GT : '>' ;
ASSIGN : '=' ;
PLUS : '+' ;
MINUS : '-' ;
STAR : '*' ;
SLASH : '/' ;
LPAREN : '(' ;
RPAREN : ')' ;
LBRACE : '{' ;
RBRACE : '}' ;
COMMA : ',' ;
COLON : ':' ;
DOT : '.' ;

DATE : DIGIT DIGIT DIGIT DIGIT '-' DIGIT DIGIT '-' DIGIT DIGIT ;
TIME : DIGIT DIGIT ':' DIGIT DIGIT ;
DECIMAL : DIGIT ('_'? DIGIT)* '.' DIGIT ('_'? DIGIT)* ;
INT : DIGIT ('_'? DIGIT)* ;
STRING : '"' (~["\\\r\n] | '\\' ["\\nt])* '"' ;
ID : ID_START ID_PART* ;

DOC_COMMENT : '///' ~[\r\n]* -> channel(HIDDEN) ;
LINE_COMMENT : '//' ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;
WS : [ \t\r\n\u00A0\uFEFF]+ -> skip ;

// Anything else is one token the parser will reject with a clear message.
UNKNOWN_CHAR : . ;

fragment DIGIT : [0-9] ;
fragment ID_START : [\p{L}_] ;
fragment ID_PART : [\p{L}\p{M}\p{N}_] ;
