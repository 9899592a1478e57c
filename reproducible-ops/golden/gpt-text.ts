// The text of the golden GPT job and of the GPT tests: Shakespeare's Sonnet 18 (public domain),
// tokenised like nanoGPT's shakespeare_char prepare.py (vocabulary = sorted distinct characters).
export const GOLDEN_TEXT = `Shall I compare thee to a summer's day?
Thou art more lovely and more temperate:
Rough winds do shake the darling buds of May,
And summer's lease hath all too short a date;
Sometime too hot the eye of heaven shines,
And often is his gold complexion dimm'd;
And every fair from fair sometime declines,
By chance or nature's changing course untrimm'd;
But thy eternal summer shall not fade,
Nor lose possession of that fair thou ow'st;
Nor shall death brag thou wander'st in his shade,
When in eternal lines to time thou grow'st:
So long as men can breathe or eyes can see,
So long lives this, and this gives life to thee.
`;

/** Character ids (binary32 integers) over the sorted set of the text's characters (code points). */
export function charTokens(text: string): { tokens: Float32Array; vocab: string[] } {
  const chars = [...text];
  const vocab = [...new Set(chars)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const id = new Map(vocab.map((ch, i) => [ch, i]));
  return { tokens: Float32Array.from(chars, (ch) => id.get(ch)!), vocab };
}
