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
};

/** The command menu Telegram shows next to the input field. */
export const COMMANDS = [
  { command: 'start', description: 'Say hello' },
  { command: 'help', description: 'What I understand' },
  { command: 'reset', description: 'Forget our conversation' },
  { command: 'role', description: 'Show the instructions I follow' },
];
