// Signed JSON must read the same to every parser, or a batch could be evidence of two things.
// JSON itself (RFC 8259 §4) leaves duplicate object names to the implementation: JSON.parse
// keeps the last, other parsers the first or refuse, so `{"robotId": A, "robotId": B}` was
// stored as B while another reader of the same signed bytes would see A. These helpers find
// what JSON.parse silently resolves; the payload and the JOSE header are refused for it.

// A string (with its escapes) or one structural character; everything else (numbers,
// literals, whitespace) is skipped by the search itself.
const TOKEN = /"(?:[^"\\]|\\.)*"|[{}[\],]/g;

interface Frame {
  /** Names seen in this object; undefined for an array. */
  names: Set<string> | undefined;
  /** The object's current name, or the array's current index. */
  at: string | number;
  expectName: boolean;
}

function pointer(stack: readonly Frame[], last: string): string {
  const token = (s: string | number) => String(s).replaceAll('~', '~0').replaceAll('/', '~1');
  let path = '';
  for (let i = 1; i < stack.length; i++) path += `/${token(stack[i - 1]!.at)}`;
  return `${path}/${token(last)}`;
}

/** Names of one object: a short list (a payload's objects have a handful), a set past that. */
class NameSet {
  #list: string[] = [];
  #set: Set<string> | undefined;

  /** Adds `name`; false if it was there already. */
  add(name: string): boolean {
    if (this.#set) return this.#set.size !== this.#set.add(name).size;
    if (this.#list.includes(name)) return false;
    this.#list.push(name);
    // A hostile object with thousands of names must not cost a scan of the list per name.
    if (this.#list.length > 16) this.#set = new Set(this.#list);
    return true;
  }
}

// A name (a string followed by `:`), another string (skipped whole: it may hold braces), or a
// brace; numbers, literals, commas, brackets and whitespace are skipped by the search itself.
const NAME_TOKEN = /"(?:[^"\\]|\\.)*"(\s*:)?|[{}]/g;

/**
 * The JSON pointer (RFC 6901) of the first name that occurs twice in one object of `text`,
 * compared after unescaping (`"a"` and `"\u0061"` are the same name), or undefined if there is
 * none. `text` must be JSON that JSON.parse accepted: it is not validated again here.
 */
export function duplicateNamePath(text: string): string | undefined {
  // The common case, no duplicate, looks only at names and braces (a batch has thousands of
  // numbers); the pointer of a duplicate is worked out by the full walk below.
  const objects: NameSet[] = [];
  NAME_TOKEN.lastIndex = 0;
  for (let m = NAME_TOKEN.exec(text); m !== null; m = NAME_TOKEN.exec(text)) {
    const token = m[0];
    if (token === '{') objects.push(new NameSet());
    else if (token === '}') objects.pop();
    else if (m[1] !== undefined) {
      const quoted = token.slice(0, token.lastIndexOf('"') + 1);
      const name = quoted.includes('\\') ? (JSON.parse(quoted) as string) : quoted.slice(1, -1);
      if (!objects[objects.length - 1]?.add(name)) return duplicatePointer(text) ?? '';
    }
  }
  return undefined;
}

/** The pointer of the first duplicate name in `text`, by a walk that also counts array items. */
function duplicatePointer(text: string): string | undefined {
  const stack: Frame[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m !== null; m = TOKEN.exec(text)) {
    const token = m[0];
    const top = stack[stack.length - 1];
    switch (token) {
      case '{':
        stack.push({ names: new Set(), at: '', expectName: true });
        break;
      case '[':
        stack.push({ names: undefined, at: 0, expectName: false });
        break;
      case '}':
      case ']':
        stack.pop();
        break;
      case ',':
        if (top?.names) top.expectName = true;
        else if (top) top.at = (top.at as number) + 1;
        break;
      default: {
        if (!top?.names || !top.expectName) break; // a string value
        const name = token.includes('\\') ? (JSON.parse(token) as string) : token.slice(1, -1);
        if (top.names.has(name)) return pointer(stack, name);
        top.names.add(name);
        top.at = name;
        top.expectName = false;
      }
    }
  }
  return undefined;
}
