// The RFC 4180 field scanner behind tf.data.csv: text arrives in chunks
// (read from disk as the dataset is iterated) and comes out as fields and
// row ends. Quoted fields may hold delimiters, doubled quotes and line
// breaks, and may span chunks. An unquoted field that lies inside one chunk
// is handed over as a range of that chunk, not a new string, so numbers can
// be parsed straight from the characters.

/** Receives the fields of each row in order, then the end of the row. */
export interface FieldSink {
  /** One field: the characters src[start, end), of the row that began on line `line`. */
  field(src: string, start: number, end: number, line: number): void;
  /** The end of a row that began on line `line` (1-based). */
  endRow(line: number): void;
}

const QUOTE = 34, LF = 10, CR = 13;

/** @internal Splits CSV text, pushed chunk by chunk, into fields and rows. */
export class CsvScanner {
  readonly #delim: number;
  readonly #sink: FieldSink;
  /** For error messages: `${fn}: ${where}`. */
  readonly #label: string;
  /** The current field's text so far, when it is quoted or spans chunks. */
  #field = '';
  #line = 1;
  #rowLine = 1;
  /** Fields of the current row handed over so far. */
  #fields = 0;
  /** Inside quotes. */
  #quoted = false;
  /** A quote inside quotes: it closes them unless the next character is another quote (an escaped one). */
  #quoteSeen = false;
  /** Just after a closing quote: only a delimiter or a line break may follow. */
  #afterQuote = false;
  /** A row ended on CR: a LF right after it belongs to the same line break. */
  #pendingCR = false;

  constructor(delimiter: string, sink: FieldSink, label: string) {
    this.#delim = delimiter.charCodeAt(0);
    this.#sink = sink;
    this.#label = label;
  }

  /** Scans one chunk; throws on text after a closing quote. */
  push(chunk: string): void {
    const DELIM = this.#delim, sink = this.#sink;
    const len = chunk.length;
    let i = 0;
    while (i < len) {
      let c = chunk.charCodeAt(i);
      if (this.#pendingCR) {
        this.#pendingCR = false;
        if (c === LF) { i++; continue; }
      }
      if (this.#quoteSeen) {
        this.#quoteSeen = false;
        if (c === QUOTE) { this.#field += '"'; i++; continue; }
        this.#quoted = false;
        this.#afterQuote = true;
      }
      if (this.#quoted) {
        // Up to the next quote in one slice.
        const q = chunk.indexOf('"', i);
        const end = q < 0 ? len : q;
        for (let k = chunk.indexOf('\n', i); k >= 0 && k < end; k = chunk.indexOf('\n', k + 1)) this.#line++;
        this.#field += chunk.slice(i, end);
        if (q >= 0) this.#quoteSeen = true;
        i = end + (q >= 0 ? 1 : 0);
        continue;
      }
      if (c === QUOTE && this.#field === '' && !this.#afterQuote) { this.#quoted = true; i++; continue; }
      if (c === DELIM) { this.#endField(); i++; continue; }
      if (c === LF || c === CR) { this.#endRow(c); i++; continue; }
      if (this.#afterQuote) throw new Error(`${this.#label} line ${this.#line}: text after a closing quote`);
      // An unquoted run: up to the next delimiter or line break.
      let k = i + 1;
      while (k < len && (c = chunk.charCodeAt(k)) !== DELIM && c !== LF && c !== CR) k++;
      if (k < len && this.#field === '') {
        // The whole field lies in this chunk: hand over the range, then its end.
        sink.field(chunk, i, k, this.#rowLine);
        this.#fields++;
        if (c === DELIM) {
          i = k + 1;
        } else {
          this.#finishRow(c);
          i = k + 1;
        }
        continue;
      }
      this.#field += chunk.slice(i, k);
      i = k;
    }
  }

  /** The end of the text; throws on an unclosed quote. */
  end(): void {
    if (this.#quoteSeen) { this.#quoted = false; this.#quoteSeen = false; }
    if (this.#quoted) throw new Error(`${this.#label} line ${this.#rowLine}: a quoted field is not closed`);
    if (this.#field !== '' || this.#fields > 0 || this.#afterQuote) {
      this.#endField();
      this.#sink.endRow(this.#rowLine);
    }
  }

  #endField(): void {
    const f = this.#field;
    this.#sink.field(f, 0, f.length, this.#rowLine);
    this.#fields++;
    this.#field = '';
    this.#afterQuote = false;
  }

  #endRow(c: number): void {
    this.#endField();
    this.#finishRow(c);
  }

  /** The row's last field is handed over: end the row at line break `c`. */
  #finishRow(c: number): void {
    this.#sink.endRow(this.#rowLine);
    this.#fields = 0;
    this.#afterQuote = false;
    this.#line++;
    this.#rowLine = this.#line;
    this.#pendingCR = c === CR;
  }
}
