package dev.lmgate.filters.injection;

import static dev.lmgate.filters.injection.InjectionRules.add;

import dev.lmgate.filters.injection.InjectionRules.Rule;
import java.util.List;

/**
 * The rules for techniques a prompt uses against the model directly: instruction override, persona
 * and role-play jailbreaks, system-prompt exfiltration, chat-template and delimiter spoofing, and
 * encoded payloads. Part of {@link InjectionRules#ALL}, which they join in this order; a rule's id
 * and weight are its contract with the settings that disable rules by id or family.
 */
final class DirectInjectionRules {
  private DirectInjectionRules() {}

  private static final String PREV =
      "(?:previous|prior|preceding|above|earlier|former|original|initial|old|existing|given|"
          + "system|developer|default|all|any|every|your|the|these|those|my)";
  private static final String INSTR =
      "(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|commands|orders|"
          + "constraints|restrictions|context|programming|policies|polic(?:y|ies)|settings|"
          + "filters|safeguards|training)";

  /** Appends the direct rules to {@code r}, family by family. */
  static void addTo(List<Rule> r) {
    // --- instruction override: telling the model to drop what it was told
    add(
        r,
        "override/ignore-instructions",
        0.9,
        List.of(
            "ignore",
            "disregard",
            "forget",
            "skip",
            "drop",
            "override",
            "bypass",
            "abandon",
            "neglect",
            "overlook",
            "discard"),
        "\\b(?:ignore|disregard|forget|skip|drop|override|bypass|abandon|neglect|overlook|discard)"
            + "\\b(?:\\W+\\w+){0,3}?\\W+"
            + PREV
            + "(?:\\W+\\w+){0,3}?\\W+"
            + INSTR
            + "\\b");
    add(
        r,
        "override/new-instructions",
        0.6,
        List.of(
            "new ",
            "updated ",
            "revised ",
            "real ",
            "actual ",
            "true ",
            "secret ",
            "hidden ",
            "override ",
            "admin "),
        "\\b(?:new|updated|revised|real|actual|true|secret|hidden|override|admin) "
            + "(?:instructions?|task|directive|system prompt|rules)\\s*(?::|are|is|follow)");
    add(
        r,
        "override/from-now-on",
        0.45,
        List.of(
            "from now",
            "from this point",
            "rest of this conversation",
            "starting now",
            "henceforth"),
        "\\b(?:from now on|from this point(?: on| forward)?|for the rest of this conversation"
            + "|starting now|henceforth)\\b.{0,60}\\byou\\b");
    add(
        r,
        "override/no-longer-bound",
        0.7,
        List.of("no longer", "bound by", "restricted by"),
        "\\byou (?:are|will be|'re) no longer (?:bound|restricted|limited|constrained|an? (?:ai|"
            + "assistant|language model))|\\b(?:not|no longer) (?:bound|restricted) by\\b");
    add(
        r,
        "override/do-not-follow",
        0.55,
        List.of("follow", "obey", "adhere", "comply", "abide"),
        "\\b(?:do not|don't|never|stop) (?:follow|obey|adhere to|comply with|abide by)"
            + "(?:\\W+\\w+){0,3}?\\W+"
            + INSTR);
    // --- persona / role-play jailbreaks
    add(
        r,
        "persona/dan",
        0.85,
        List.of("anything now", "dan mode", "stand"),
        "\\bdo anything now\\b|\\bdan mode\\b|\\bstands? for \"?do anything");
    add(
        r,
        "persona/unrestricted-ai",
        0.75,
        List.of(
            "unfiltered",
            "uncensored",
            "unrestricted",
            "unlimited",
            "unbound",
            "amoral",
            "immoral",
            "unethical",
            "lawless",
            "rogue",
            "evil",
            "jailbr",
            "jail-br",
            "unchained",
            "liberated",
            "uncontrolled"),
        "\\b(?:unfiltered|uncensored|unrestricted|unlimited|unbound|amoral|immoral|unethical|"
            + "lawless|rogue|evil|jailbroken|jail-?broken|unchained|liberated|uncontrolled)\\b"
            + "(?:\\W+\\w+){0,3}?\\W+(?:ai|assistant|chatbot|bot|model|language model|version|mode|"
            + "persona|character|entity|system)\\b");
    add(
        r,
        "persona/no-rules",
        0.35,
        List.of(
            "no ",
            "without ",
            "free of",
            "free from",
            "doesn't",
            "does not",
            "not have",
            "not follow",
            "never follow",
            "never has"),
        "\\b(?:no|without|free (?:of|from)|doesn't (?:have|follow)|does not (?:have|follow)|"
            + "not (?:have|follow)|never (?:follows?|has))(?: any)? "
            + "(?:ethical|moral|content|safety|openai|legal)?\\s?"
            + "(?:guidelines|restrictions|rules|limits|limitations|filters|censorship|boundaries|"
            + "policies|principles|ethics|morals|constraints)\\b");
    add(
        r,
        "persona/jailbreak-mode",
        0.8,
        List.of(
            "jailbr",
            "opposite mode",
            "chaos mode",
            "evil mode",
            "unlocked mode",
            "god mode",
            "dan mode",
            "unrestricted mode",
            "unfiltered mode",
            "uncensored mode",
            "limit mode",
            "limits mode",
            "developer mode"),
        "\\b(?:jailbreak|jailbroken|opposite|chaos|evil|unlocked|dan|unrestricted|unfiltered|"
            + "uncensored|no-?limits?) mode\\b"
            + "|\\bdeveloper mode (?:enabled|activated|output|on)\\b|\\benable developer mode\\b");
    add(
        r,
        "persona/stay-in-character",
        0.55,
        List.of("character"),
        "\\b(?:stay|remain|keep|break(?:ing)?) (?:in|out of) character\\b");
    add(
        r,
        "persona/two-responses",
        0.6,
        List.of("two ", "2 ", "dual ", "both "),
        "\\b(?:two|2|dual|both) (?:different |separate )?(?:responses|answers|replies)\\b"
            + ".{0,80}\\b(?:one|first|normal|classic|filtered)\\b");
    add(
        r,
        "persona/pretend-no-limits",
        0.5,
        List.of(
            "pretend",
            "imagine",
            "act as",
            "act like",
            "roleplay",
            "role-play",
            "you are now",
            "will now be",
            "you're now",
            "become"),
        "\\b(?:pretend|imagine|act as if|act like|roleplay as|role-play as|you are now|you will "
            + "now be|you're now|become)\\b.{0,80}\\b(?:no (?:rules|limits|restrictions|filters)|"
            + "anything|everything|any question|whatever)\\b");
    add(
        r,
        "persona/refusal-suppression",
        0.6,
        List.of(
            "refuse",
            "decline",
            "say no",
            "say that",
            "say you",
            "say sorry",
            "apologi",
            "warn",
            "disclaimer",
            "mention"),
        "\\b(?:never|don't|do not|must not|shall not|will not|won't|cannot) (?:refuse|decline|"
            + "say (?:no|that you can't|you cannot|sorry)|apologi[sz]e|warn|include (?:any )?"
            + "(?:warnings?|disclaimers?)|mention (?:that|any) (?:ethic|moral|legal)|add (?:any )?"
            + "(?:warnings?|disclaimers?))");
    add(
        r,
        "persona/policy-named",
        0.45,
        List.of(
            "openai",
            "anthropic",
            "content polic",
            "usage polic",
            "safety polic",
            "content guideline",
            "safety guideline",
            "content filter",
            "safety filter",
            "usage guideline"),
        "\\b(?:openai|anthropic|content|usage|safety)(?:'s)? (?:content )?(?:policy|policies|"
            + "guidelines|filters?)\\b");
    add(
        r,
        "persona/hypothetical-frame",
        0.2,
        List.of("hypothetical", "fictional", "in a world where", "purposes only"),
        "\\b(?:hypothetical(?:ly)?|fictional (?:world|story|universe|scenario)|in a world where|"
            + "for (?:educational|research|academic) purposes only)\\b");
    // --- system-prompt exfiltration
    add(
        r,
        "exfiltration/reveal-prompt",
        0.85,
        List.of(
            "system",
            "initial",
            "original",
            "hidden",
            "secret",
            "internal",
            "developer",
            "preprompt",
            "pre-prompt",
            "pre prompt"),
        "\\b(?:reveal|show|print|display|output|repeat|recite|tell me|give me|share|leak|dump|"
            + "write (?:out|down)|copy|spell out|what (?:is|are|was|were))\\b(?:\\W+\\w+){0,4}?\\W+"
            + "(?:system|initial|original|hidden|secret|internal|developer|pre-?)"
            + "\\W*(?:prompt|instructions?|message|rules|directives|configuration)");
    add(
        r,
        "exfiltration/prompt-named",
        0.7,
        List.of(
            "system prompt",
            "system_prompt",
            "systemprompt",
            "initial prompt",
            "initial instr",
            "starting instr",
            "original prompt",
            "original instr",
            "hidden prompt",
            "hidden instr",
            "secret instr",
            "internal instr",
            "setup instr",
            "first instr",
            "confidential instr",
            "underlying instr",
            "beginning instr",
            "pre-prompt",
            "preprompt",
            "pre prompt",
            "initiali",
            "told",
            "instructed",
            "programmed",
            "supposed to",
            "were given",
            "been given",
            "my instructions",
            "your instructions",
            "the instructions",
            "system instr",
            "system direct",
            "initial direct",
            "system config",
            "initial config"),
        // the assistant's own prompt, named as such; "the original prompt" and "the system
        // configuration" are also what prompt engineers and administrators talk about, so with
        // "the" neither "original" nor "configuration" counts
        "\\b(?:your|my) (?:own )?(?:system|initial|starting|hidden|secret|internal|original|"
            + "setup|pre-?|underlying|first|beginning|confidential)[ _-]?(?:prompt|instructions|"
            + "directives|configuration|initiali[sz]ation)\\b"
            + "|\\bthe (?:system|initial|starting|hidden|secret|internal|setup|pre-?|underlying|"
            + "first|beginning|confidential)[ _-]?(?:prompt|instructions|directives|"
            + "initiali[sz]ation)\\b"
            + "|\\bsystem_?prompt\\b"
            + "|\\bwhat (?:were|was|are|have) you (?:been )?(?:told|instructed|programmed|given|"
            + "asked)\\b|\\b(?:instructions?|text|rules|prompt) (?:that )?you (?:were|have been) "
            + "(?:given|told|provided)|\\b(?:i was|you were|you've been|you have been) "
            + "(?:instructed|programmed|told) to\\b"
            // the answer forced to open with (or continue) a quote that names the instructions
            + "|\\b(?:start|begin|continue|complete|finish)\\b.{0,40}[\"'`](?:my|the|your) "
            + "(?:system |initial |original )?(?:instructions|prompt)\\b"
            + "|\\bnot supposed to (?:tell|say|reveal|share|disclose)\\b");
    add(
        r,
        "exfiltration/words-above",
        0.75,
        List.of("above", "before this", "before my", "so far", "preceding", "prior to", "verbatim"),
        "\\b(?:repeat|print|output|copy|recite|rewrite|reproduce|summari[sz]e|translate)\\b"
            + "(?:\\W+\\w+){0,4}?\\W+(?:everything|all|text|words|content|instructions|the lines?)"
            + "(?:\\W+\\w+){0,3}?\\W+(?:above|before (?:this|my)|so far|preceding|prior to)"
            + "|\\bverbatim\\b.{0,40}\\b(?:above|instructions|prompt)");
    add(
        r,
        "exfiltration/start-of-prompt",
        0.65,
        List.of("starting", "begin", "start"),
        "\\b(?:starting|beginning|begin|start) (?:with|from|at) (?:the words? |the phrase )?"
            + "[\"'`]?(?:you are|your instructions|system)");
    // --- chat-template and delimiter spoofing
    add(
        r,
        "spoofing/chat-template",
        0.9,
        List.of("<|", "[inst", "[/inst", "<<sys", "<</sys"),
        "<\\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|"
            + "end_header_id|begin_of_text)\\|>|\\[/?inst\\]|<</?sys>>|<\\|/?(?:system|user)\\|>");
    add(
        r,
        "spoofing/role-header",
        0.55,
        List.of(
            "system:",
            "assistant:",
            "admin:",
            "developer:",
            "system]",
            "assistant]",
            "system message",
            "system prompt",
            "system note",
            "system override",
            "system instruction",
            "admin message",
            "admin override",
            "developer message",
            "developer note",
            "developer instruction",
            "###",
            "**"),
        "(?:^|[\\n.!?] ?)(?:###|\\*\\*|==+|--+)?\\s*(?:system|assistant|admin|developer)"
            + "\\s*(?:message|prompt|note|override|instruction)?\\s*(?::|\\]|###|\\*\\*)\\s*"
            + "(?:you|ignore|new|from|the (?:user|assistant)|override)");
    add(
        r,
        "spoofing/end-of-input",
        0.6,
        List.of("end of", "ends", "is over", "complete"),
        "\\b(?:end of (?:the )?(?:input|prompt|document|context|user (?:input|message)|text|data)"
            + "|(?:input|prompt|document) (?:ends|is over|complete))\\b.{0,60}"
            + "\\b(?:now|new|instructions?|ignore|you)\\b");
    // --- encoded payloads
    add(
        r,
        "encoding/decode-and-follow",
        0.65,
        List.of("decode", "decipher", "decrypt", "translate", "convert"),
        "\\b(?:decode|decipher|decrypt|translate|convert)\\b.{0,40}\\b(?:base64|base 64|hex|rot13|"
            + "rot-13|binary|morse|caesar|cipher|encoded)\\b.{0,60}\\b(?:follow|execute|do|obey|"
            + "answer|respond|act|perform|comply)\\b");
  }
}
