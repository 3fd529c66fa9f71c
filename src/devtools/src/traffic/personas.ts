import { UserMessageInput } from '../telegram/emulator';

export interface Persona {
  user: UserMessageInput['from'];
  /** What this person talks about, in order. */
  lines: string[];
}

const ROSTER: Persona[] = [
  {
    user: { id: 100_001, first_name: 'Ada', last_name: 'Lovelace', username: 'ada', language_code: 'en' },
    lines: ['Hi! Can you explain what an algorithm is?', 'Give me an example with numbers.', 'What did I ask you first?', 'Thanks, that helps.'],
  },
  {
    user: { id: 100_002, first_name: 'Борис', username: 'boris_k', language_code: 'ru' },
    lines: ['Привет! Посоветуй книгу о космосе.', 'А что-нибудь попроще?', 'Напомни, с чего я начал?', 'Спасибо!'],
  },
  {
    user: { id: 100_003, first_name: 'Chiara', language_code: 'it' },
    lines: ['Ciao, come si fa la pasta fresca?', 'Quante uova servono?', 'E per quattro persone?'],
  },
  {
    user: { id: 100_004, first_name: 'Dmitri', last_name: 'Ivanov', username: 'dmitri', language_code: 'en' },
    lines: ['My name is Dmitri and I like chess.', 'Suggest an opening for beginners.', 'What is my name?', 'And what do I like?'],
  },
  {
    user: { id: 100_005, first_name: 'Emma', username: 'emma_w', language_code: 'de' },
    lines: ['Write a haiku about autumn.', 'Now one about winter.', 'Which season did I ask about first?'],
  },
  {
    user: { id: 100_006, first_name: 'Farid', language_code: 'en' },
    lines: ['How do I boil an egg?', 'Soft or hard, what is the difference?', 'OK, soft please.'],
  },
  {
    user: { id: 100_007, first_name: 'Grace', last_name: 'Hopper', username: 'amazing_grace', language_code: 'en' },
    lines: ['What is a compiler?', 'Who wrote the first one?', 'Summarise our chat in one line.'],
  },
  {
    user: { id: 100_008, first_name: 'Hiro', language_code: 'ja' },
    lines: ['Recommend a short hike near a city.', 'What should I pack?', 'How long should it take?'],
  },
];

/** Names for the cast beyond the roster: people of their own, with the roster's topics. */
const MORE_PEOPLE: [string, string | undefined, string | undefined][] = [
  ['Ines', 'Moreau', 'ines_m'], ['Jonas', undefined, 'jonas'], ['Keiko', 'Sato', undefined], ['Liam', "O'Brien", 'liam_ob'],
  ['Marta', 'Nowak', 'marta'], ['Nikolai', undefined, 'nikolai_p'], ['Olivia', 'Brown', 'liv'], ['Pedro', 'Alves', undefined],
  ['Quinn', undefined, 'quinn'], ['Rosa', 'Garcia', 'rosa_g'], ['Sven', 'Larsen', undefined], ['Tanya', 'Orlova', 'tanya_o'],
  ['Uma', undefined, 'uma'], ['Viktor', 'Horvat', 'viktor_h'], ['Wen', 'Li', undefined], ['Ximena', 'Ruiz', 'ximena'],
  ['Yusuf', undefined, 'yusuf_k'], ['Zoe', 'Martin', 'zoe_m'], ['Aleksei', 'Popov', undefined], ['Beatriz', undefined, 'bia'],
  ['Carlos', 'Mendes', 'carlos_m'], ['Daria', 'Kuzmina', 'daria_k'], ['Elif', 'Yilmaz', undefined], ['Felix', undefined, 'felix'],
  ['Greta', 'Berg', 'greta_b'], ['Hugo', 'Lambert', undefined], ['Ivana', 'Petrovic', 'ivana'], ['Jakub', undefined, 'jakub_d'],
  ['Kira', 'Volkova', 'kira_v'], ['Lucas', 'Silva', undefined], ['Maya', undefined, 'maya'], ['Noah', 'Fischer', 'noah_f'],
];

/**
 * The `index`-th person of the cast: the roster first, then people named from a second list
 * (with the roster's topics), then numbered variations. Ids are stable for an index.
 */
export function persona(index: number): Persona {
  const base = ROSTER[index % ROSTER.length];
  const round = Math.floor(index / ROSTER.length);
  if (round === 0) return base;
  const named = MORE_PEOPLE[index - ROSTER.length];
  if (named) {
    const [firstName, lastName, username] = named;
    return { user: { ...base.user, id: base.user.id + round * 1000, first_name: firstName, last_name: lastName, username }, lines: base.lines };
  }
  return {
    user: { ...base.user, id: base.user.id + round * 1000, username: base.user.username ? `${base.user.username}${round}` : undefined },
    lines: base.lines,
  };
}
