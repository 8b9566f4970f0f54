import { type ParseError, type ParseErrorCode, parse, printParseErrorCode } from 'jsonc-parser';

/** What each jsonc-parser error code means, in the words of the message. */
const PROBLEMS: Readonly<Record<string, string>> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'malformed number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":" after the property name',
  CommaExpected: 'expected "," between two entries',
  CloseBraceExpected: 'expected "}" to close the object',
  CloseBracketExpected: 'expected "]" to close the list',
  EndOfFileExpected: 'expected the end of the file after the closing bracket',
  InvalidCommentToken: 'malformed comment',
  UnexpectedEndOfComment: 'the comment is never closed (missing "*/")',
  UnexpectedEndOfString: "the string is never closed (missing '\"')",
  UnexpectedEndOfNumber: 'the number ends too early',
  InvalidUnicode: 'malformed \\u escape',
  InvalidEscapeCharacter: 'invalid escape character after "\\"',
  InvalidCharacter: 'invalid character in a string (use \\n, \\t, ... instead)',
};

/** A JSONC text does not parse; the message is `<source>:<line>:<column>: ...` with the line and a caret. */
export class JsoncSyntaxError extends Error {
  override readonly name = 'JsoncSyntaxError';

  constructor(
    message: string,
    /** 1-based line of the first error. */
    readonly line: number,
    /** 1-based column of the first error. */
    readonly column: number,
  ) {
    super(message);
  }
}

/**
 * Parses JSON with comments (`//`, `/* *\/`) and trailing commas, as the shipped example config is
 * written, with jsonc-parser (the parser of VS Code's settings files).
 * @throws JsoncSyntaxError naming `source`, the line and the column of the first problem (later ones often
 * follow from it).
 */
export function parseJsonc(text: string, source: string): unknown {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.trim() === '') {
    throw new JsoncSyntaxError(
      `${source}:1:1: is empty; it needs a JSON object such as {"targets": [...]}`,
      1,
      1,
    );
  }
  const errors: ParseError[] = [];
  const value: unknown = parse(body, errors, { allowTrailingComma: true, disallowComments: false });
  const [first] = errors;
  if (first === undefined) return value;
  const { line, column } = lineAndColumn(body, first.offset);
  const code = printParseErrorCode(first.error as ParseErrorCode);
  const lineText = (body.split(/\r?\n/)[line - 1] ?? '').replaceAll('\t', ' ');
  throw new JsoncSyntaxError(
    `${source}:${line}:${column}: is not valid JSON: ${PROBLEMS[code] ?? code}\n` +
      `  ${lineText}\n  ${' '.repeat(column - 1)}^`,
    line,
    column,
  );
}

/** 1-based line and column of a character offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastBreak = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastBreak };
}
