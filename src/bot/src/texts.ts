/** What the bot says on its own (everything else comes from the LLM). */
export const TEXTS = {
  start: (name: string) =>
    `Hi ${name}! I'm an AI assistant. Ask me anything and I'll answer.\n\n` +
    'I remember our conversation; /reset makes me forget it. /help lists what I understand.',
  help: [
    'Just write to me and I will answer. I remember what we talked about.',
    '',
    '/reset – forget our conversation and start over',
    '/role – show the instructions I follow',
    '/help – this message',
  ].join('\n'),
  role: (prompt: string) => `My current role:\n\n${prompt}`,
  reset: "Done: I've forgotten our conversation. Let's start over.",
  unknownCommand: "I don't know that command. /help lists the ones I understand.",
  nonText: 'Sorry, I can only read text messages for now. Please type your question.',
  llmTimeout: 'Sorry, the assistant is taking too long to answer. Your message is saved; please try again in a moment.',
  llmUnavailable: 'Sorry, the assistant is unavailable right now. Your message is saved; please try again a bit later.',
  notSaved: "Sorry, something went wrong on my side and I couldn't take your message. Please send it again in a minute.",
  notAllowed: (userId: number) => `Sorry, this assistant is private. If you should have access, ask its owner to add your Telegram user id: ${userId}.`,
  tooLong: (length: number, limit: number) =>
    `Your message is ${length} characters long; I can read up to ${limit}. Please shorten it, or send it in parts.`,
  slowDown: (seconds: number) =>
    `You're sending messages faster than I can read them. Please wait ${seconds} s, then send that last one again.`,
  tooManyPending: (pending: number) =>
    `I'm still working on your ${pending} earlier messages. Please wait for my answers, then send that last one again.`,
  dailyBudget: (resetsIn: string) => `You've reached today's limit for the assistant. It resets at midnight UTC (in ${resetsIn}).`,
};

/** The command menu Telegram shows next to the input field. */
export const COMMANDS = [
  { command: 'start', description: 'Say hello' },
  { command: 'help', description: 'What I understand' },
  { command: 'reset', description: 'Forget our conversation' },
  { command: 'role', description: 'Show the instructions I follow' },
];
