import { EmailRefusal } from './smtp-reply';
import { cutReply, htmlToText, smsText } from './mail-text';

describe('smsText', () => {
  it('takes the plain part, tidied', () => {
    expect(smsText({ text: 'Your table is ready.  \r\n\r\n\r\n\r\nSee you soon\r\n', html: '<p>ignored</p>' })).toBe('Your table is ready.\n\nSee you soon');
  });

  it('converts the HTML when there is no plain part, without images, quotes or upper-cased headings', () => {
    const html = '<h1>Hello</h1><p>Your code is <b>123456</b>.<img src="x.png" alt="logo"></p><p><a href="https://acme.example/x">open</a></p><blockquote>old mail</blockquote><div class="gmail_quote">On … wrote: old</div>';
    expect(smsText({ text: '', html })).toBe('Hello\n\nYour code is 123456.\n\nopen [https://acme.example/x]');
  });

  it('falls back to the subject, and refuses a mail with no text at all', () => {
    expect(smsText({ text: '-- \nAnn', subject: 'Call me' })).toBe('Call me');
    const empty = (() => {
      try {
        smsText({ text: ' \n ', subject: '' });
      } catch (err) {
        return err;
      }
    })() as EmailRefusal;
    expect(empty).toBeInstanceOf(EmailRefusal);
    expect({ code: empty.code, reply: empty.reply.code, enhanced: empty.reply.enhanced }).toEqual({ code: 'VALIDATION.EMPTY_TEXT', reply: 550, enhanced: '5.6.0' });
  });
});

describe('cutReply', () => {
  it('cuts the signature after "-- " (with or without its trailing space)', () => {
    expect(cutReply('Meet at 6\n-- \nAnn Smith\nACME Ltd')).toBe('Meet at 6');
    expect(cutReply('Meet at 6\n--\nAnn')).toBe('Meet at 6');
    expect(cutReply('Price -- 5 GBP')).toBe('Price -- 5 GBP');
  });

  it('drops quoted lines and the attribution before them, keeping inline answers', () => {
    const top = 'Yes, 6 is fine\n\nOn Tue, 1 Dec 2026 at 10:00, Bob <bob@example.com> wrote:\n> Is 6 ok?\n> -- \n> Bob';
    expect(cutReply(top).trim()).toBe('Yes, 6 is fine');
    const inline = '> Is 6 ok?\nYes\n> And Sunday?\nNo';
    expect(cutReply(inline)).toBe('Yes\nNo');
    const wrapped = 'Sure\nOn Tue, 1 Dec 2026 at 10:00, Bob Jones <\nbob@example.com> wrote:\n\n> Is 6 ok?';
    expect(cutReply(wrapped).trim()).toBe('Sure');
  });

  it('keeps an "On … wrote:" line that no quote follows', () => {
    expect(cutReply('On Monday Ann wrote:')).toBe('On Monday Ann wrote:');
  });

  it('cuts a forwarded or top-quoted original (Outlook, "Original Message")', () => {
    expect(cutReply('Done.\n\nFrom: Bob <bob@example.com>\nSent: Tuesday\nTo: Ann\nSubject: x\n\nold text').trim()).toBe('Done.');
    expect(cutReply('Done.\n-----Original Message-----\nold')).toBe('Done.');
    expect(cutReply('See below\n---------- Forwarded message ---------\nFrom: x')).toBe('See below');
    // A "From:" line inside the text is text.
    expect(cutReply('From: the office, with love')).toBe('From: the office, with love');
  });
});

describe('htmlToText', () => {
  it('shows a link once when its text is its address', () => {
    expect(htmlToText('<a href="https://acme.example">https://acme.example</a>')).toBe('https://acme.example');
  });
});
