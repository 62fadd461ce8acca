package dev.lmgate.filters.injection;

import com.google.re2j.Pattern;
import dev.lmgate.filters.budget.ScanBudget;
import java.nio.CharBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The fast tier's rules: phrasings of known injection and jailbreak techniques, grouped in
 * families, each with a weight (how sure a hit alone makes us). They match the normalized view
 * (lower case, disguises removed) with RE2/J, so their time is linear in the text whatever it
 * holds. Rules describe techniques, not particular prompts: a rewording of a known jailbreak hits
 * the same rules.
 */
public final class InjectionRules {
  /**
   * A rule: its id ({@code family/name}), weight in (0, 1], the words one of which must occur for
   * the pattern to be worth running (a cheap prefilter; the pattern decides), and the pattern.
   */
  public record Rule(String id, double weight, List<String> triggers, Pattern pattern) {
    public String family() {
      return id.substring(0, id.indexOf('/'));
    }

    /**
     * Whether the rule matches a normalized text. The pattern runs only on windows around the
     * places a trigger occurs (a rule's match spans at most a few hundred characters), so a long
     * text costs little more than the search for its triggers.
     */
    public boolean matches(String normalized) {
      List<int[]> at = new ArrayList<>();
      for (String t : triggers) {
        for (int i = normalized.indexOf(t); i >= 0; i = normalized.indexOf(t, i + 1)) {
          at.add(new int[] {i, t.length()});
        }
      }
      at.sort((a, b) -> Integer.compare(a[0], b[0]));
      return matchesAround(normalized, at, ScanBudget.UNLIMITED);
    }

    /**
     * Runs the pattern in windows around trigger occurrences ({start, length}, by start). Windows
     * that overlap merge into regions; a region is searched in chunks of at most {@link #CHUNK}
     * characters that overlap by more than a match can span, with a budget check between chunks, so
     * a text dense with triggers costs linear time in bounded, interruptible steps.
     */
    boolean matchesAround(String normalized, List<int[]> triggerHits, ScanBudget budget) {
      if (triggerHits.isEmpty()) {
        return false;
      }
      int n = normalized.length();
      int from = -1;
      int to = -1;
      for (int[] hit : triggerHits) {
        int a = Math.max(0, hit[0] - WINDOW);
        int b = Math.min(n, hit[0] + hit[1] + WINDOW);
        if (from >= 0 && a <= to) {
          to = Math.max(to, b); // overlaps the region being built
          continue;
        }
        if (from >= 0 && findIn(normalized, from, to, budget)) {
          return true;
        }
        from = a;
        to = b;
      }
      return findIn(normalized, from, to, budget);
    }

    private boolean findIn(String text, int from, int to, ScanBudget budget) {
      for (int a = from; ; a += CHUNK - OVERLAP) {
        budget.check();
        int b = Math.min(to, a + CHUNK);
        if (pattern.matcher(CharBuffer.wrap(text, a, b)).find()) {
          return true;
        }
        if (b == to) {
          return false;
        }
      }
    }
  }

  /** The most characters one pattern search covers between two budget checks. */
  static final int CHUNK = 8192;

  /** Chunks overlap by this much: more than a match can span (two windows and a trigger). */
  static final int OVERLAP = 3 * InjectionRules.WINDOW;

  /**
   * Rules evaluated together: one pass over the text finds every rule's triggers, then each rule
   * with a trigger runs its pattern around them.
   */
  public static final class RuleSet {
    private final List<Rule> rules;
    private final TriggerIndex index;
    private final int[][] rulesOfTrigger;
    private final int[] triggerLength;

    public RuleSet(List<Rule> rules) {
      this.rules = List.copyOf(rules);
      List<String> triggers = new ArrayList<>();
      java.util.Map<String, List<Integer>> owners = new java.util.LinkedHashMap<>();
      for (int r = 0; r < rules.size(); r++) {
        for (String t : rules.get(r).triggers()) {
          owners.computeIfAbsent(t, k -> new ArrayList<>()).add(r);
        }
      }
      triggers.addAll(owners.keySet());
      this.index = new TriggerIndex(triggers);
      this.rulesOfTrigger = new int[triggers.size()][];
      this.triggerLength = new int[triggers.size()];
      for (int t = 0; t < triggers.size(); t++) {
        rulesOfTrigger[t] = owners.get(triggers.get(t)).stream().mapToInt(i -> i).toArray();
        triggerLength[t] = triggers.get(t).length();
      }
    }

    public List<Rule> rules() {
      return rules;
    }

    /** The rules that match a normalized text, in rule order. */
    public List<Rule> matching(String normalized) {
      return matching(normalized, ScanBudget.UNLIMITED);
    }

    /**
     * The rules that match a normalized text, in rule order, checking {@code budget} between
     * bounded steps.
     *
     * @throws dev.lmgate.filters.budget.ScanBudgetExceeded when the budget runs out
     */
    public List<Rule> matching(String normalized, ScanBudget budget) {
      List<TriggerIndex.Hit> hits = index.find(normalized);
      if (hits.isEmpty()) {
        return List.of();
      }
      List<List<int[]>> perRule = new ArrayList<>(rules.size());
      for (int r = 0; r < rules.size(); r++) {
        perRule.add(null);
      }
      for (TriggerIndex.Hit h : hits) {
        for (int r : rulesOfTrigger[h.pattern()]) {
          List<int[]> l = perRule.get(r);
          if (l == null) {
            l = new ArrayList<>();
            perRule.set(r, l);
          }
          l.add(new int[] {h.start(), triggerLength[h.pattern()]});
        }
      }
      List<Rule> out = new ArrayList<>();
      for (int r = 0; r < rules.size(); r++) {
        List<int[]> l = perRule.get(r);
        if (l != null) {
          l.sort((a, b) -> Integer.compare(a[0], b[0]));
          if (rules.get(r).matchesAround(normalized, l, budget)) {
            out.add(rules.get(r));
          }
        }
      }
      return out;
    }
  }

  /** Characters on either side of a trigger that its rule's pattern is run on. */
  static final int WINDOW = 120;

  private InjectionRules() {}

  private static final String PREV =
      "(?:previous|prior|preceding|above|earlier|former|original|initial|old|existing|given|"
          + "system|developer|default|all|any|every|your|the|these|those|my)";
  private static final String INSTR =
      "(?:instructions?|prompts?|rules|directions|directives|guidelines|guidance|commands|orders|"
          + "constraints|restrictions|context|programming|policies|polic(?:y|ies)|settings|"
          + "filters|safeguards|training)";

  /**
   * What code reads that it has no business sending: environment variables (where secrets live),
   * credential and key stores, browser cookie stores, the host's inventory, a command's captured
   * output, keystrokes, the clipboard and the screen.
   */
  private static final String SENSITIVE_SOURCE =
      "os\\.environ|\\bgetenv\\b|process\\.env\\b|\\.ssh/|\\bid_(?:rsa|dsa|ecdsa|ed25519)\\b"
          + "|/etc/(?:passwd|shadow)|\\.aws/credentials|\\.netrc\\b|\\.git-credentials|\\.kube/config"
          + "|\\bkeychain\\b|\\bkeyring\\.|\\bwallet\\.dat\\b|\\blogin data\\b"
          + "|cookie_?jar|browser_cookie|document\\.cookie|load_cookie|simplecookie"
          + "|\\bcookies?\\.(?:txt|sqlite|json|pkl|db)\\b"
          + "|\\bpsutil\\.|\\bplatform\\.(?:uname|node|system|platform|machine|processor|version)\\("
          + "|gethostname|getpass\\.getuser|os\\.uname|os\\.getlogin|uuid\\.getnode|\\bwmi\\."
          + "|subprocess\\.(?:check_output|getoutput)|os\\.popen"
          + "|\\bpynput\\b|\\bkeyboard\\.(?:on_press|hook|read_key|record)|clipboard"
          + "|imagegrab|screenshot";

  /** Code that sends data to another host: HTTP, mail, file-transfer and socket clients. */
  private static final String NETWORK_SINK =
      "requests\\.(?:post|put|patch|get)|urllib|urlopen|http\\.client|httpconnection|\\bhttpx\\."
          + "|aiohttp|\\bfetch\\(|\\baxios\\b|\\bcurl\\b|\\bwget\\b|ftplib|\\bftp\\(|paramiko"
          + "|\\bsftp|\\bscp\\.|smtplib|\\.smtp(?:_ssl)?\\(|sendmail|\\bsocket\\.|\\.sendto\\("
          + "|\\.sendall\\(|\\bmqtt\\b|webhook";

  private static final String CODE_PIECE =
      "(?:block|snippet|excerpt|section|segment|fragment|piece|sample)";

  /** The reader's own work, as an injected order to add code names it. */
  private static final String YOUR_WORK =
      "your (?:own )?(?:code|codebase|solution|implementation|program|script|algorithm|answer"
          + "|response|reply)\\b";

  /**
   * Text that frames what follows as third-party content (an email, a web page, a table, an answer
   * found online): inside it, orders addressed to the assistant are injections, not requests.
   */
  private static final List<String> FRAME_WORDS =
      List.of(
          "mail",
          "message",
          "document",
          "article",
          "table",
          "page",
          "post",
          "answer",
          "review",
          "transcript",
          "report",
          "file",
          "search result",
          "passage",
          "excerpt",
          "tweet",
          "comment",
          "letter",
          "found online",
          "on the web",
          "on the internet",
          "inbox");

  /** Whether a normalized text frames part of itself as third-party content. */
  public static boolean framesContent(String normalized) {
    return FRAME.matches(normalized);
  }

  private static final Pattern DOCUMENT_FRAME =
      Pattern.compile(
          "\\b(?:here is|here's|below is|attached is|i (?:got|received|found)|read|summari[sz]e|"
              + "translate|answer (?:the|my|this) question (?:using|from|based on))"
              + " (?:an? |the |this |my |some )?(?:following )?(?:e-?mail|message|document|"
              + "article|table|web ?page|page|post|answer|review|transcript|report|file|"
              + "search results?|passage|excerpt|tweet|comment|letter|newsletter)\\b"
              + "|\\b(?:using|from|in) (?:this|the following|the attached) (?:e-?mail|document|"
              + "article|table|web ?page|page|post|review|transcript|report|file|passage|excerpt)"
              + "\\b|\\b(?:i found|found) (?:online|on the (?:web|internet))\\b"
              + "|\\bfrom my inbox\\b");

  /** The frame as a rule, so a rule set can find it in the same pass as the others. */
  static final Rule FRAME = new Rule("frame/document", 0, FRAME_WORDS, DOCUMENT_FRAME);

  /** Every built-in rule. */
  public static final List<Rule> ALL = build();

  private static List<Rule> build() {
    List<Rule> r = new ArrayList<>();
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
        "\\b(?:your|the|my) (?:own )?(?:system|initial|starting|hidden|secret|internal|original|"
            + "setup|pre-?|underlying|first|beginning|confidential)[ _-]?(?:prompt|instructions|"
            + "directives|configuration|initiali[sz]ation)\\b"
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
    // --- indirect injection: orders addressed to the assistant inside third-party content
    add(
        r,
        "indirect/addressed-to-assistant",
        0.5,
        List.of(
            "attention to",
            "attention for",
            "note to",
            "note for",
            "important to",
            "important for",
            "instruction to",
            "instructions to",
            "instruction for",
            "instructions for",
            "message to",
            "message for",
            "dear ",
            "hey ",
            "hello ",
            "hi ",
            "if you are a"),
        "\\b(?:attention|note|important|instruction|message)s? (?:to|for) (?:the )?(?:ai|assistant|"
            + "model|chatbot|language model|llm|gpt|system)\\b|\\b(?:dear|hey|hi|hello) "
            + "(?:ai|assistant|chatgpt|gpt|model|llm|bot)\\b.{0,40}\\b(?:please|must|should|ignore|"
            + "instead)\\b|\\bif you are (?:an? )?(?:ai|assistant|language model|llm|chatbot)\\b");
    add(
        r,
        "indirect/response-directive",
        0.5,
        List.of(
            "your reply",
            "your response",
            "your answer",
            "your output",
            "your summary",
            "your message",
            "your next",
            "respond ",
            "reply ",
            "answer ",
            "write your"),
        "\\b(?:in|into|to|within|throughout|at the (?:end|start|beginning) of) your "
            + "(?:reply|response|answer|output|summary|message|next message)s?\\b"
            + "|\\byour (?:reply|response|answer|output|summary) (?:must|should|will|needs to)\\b"
            + "|\\b(?:respond|reply|answer|write your (?:reply|answer|response)) "
            + "(?:only |entirely |exclusively )?(?:in|with|using) (?:[a-z]+ ){0,2}"
            + "(?:language|words|emojis?|code|numbers|reverse|pig latin|caps)");
    add(
        r,
        "indirect/exfiltrate-data",
        0.7,
        List.of("send", "forward", "upload", "email", "transmit", "exfiltrate", "leak", "]("),
        "\\b(?:send|forward|post|upload|email|transmit|exfiltrate|leak)\\b.{0,40}\\b(?:password|"
            + "credentials?|api keys?|tokens?|cookies?|session|private data|conversation|chat "
            + "history|personal (?:data|information))\\b.{0,40}\\b(?:to|at)\\b"
            + "|!\\[[^\\]]{0,40}\\]\\(https?://[^)]{0,200}(?:\\?|&)[a-z_]+=");
    add(
        r,
        "indirect/malicious-link",
        0.55,
        List.of("http", "www."),
        "\\b(?:click|visit|go to|download|install|navigate to|open)\\b.{0,40}"
            + "(?:https?://|www\\.)[^\\s]+.{0,60}\\b(?:update|prize|verify|claim|login|password|"
            + "account|urgent|free)\\b");
    add(
        r,
        "indirect/hidden-system-command",
        0.6,
        List.of(
            "rm -rf",
            "dd if",
            "mkfs",
            "format c:",
            "shutdown",
            ":()",
            "curl",
            "wget",
            "urlretrieve",
            "urlopen",
            "requests.get",
            "http.request"),
        // commands that destroy the machine; a download piped to a shell; code fetched from the
        // network and run (not any process spawn: ordinary code starts processes all the time)
        "(?:\\brm -rf /|\\bdd if=/dev/(?:zero|random|urandom) of=/dev/[sh]d|:\\(\\)\\s*\\{\\s*:\\|:&"
            + "|\\bmkfs\\.|\\bformat c:|\\bshutdown -h now)"
            + "|\\b(?:curl|wget)\\b[^|\\n]{0,200}\\| ?(?:sudo )?(?:ba|z)?sh\\b"
            + "|(?:\\bcurl\\b|\\bwget\\b|urlretrieve|urlopen|requests\\.get|http\\.request)[\\s\\S]{0,300}?"
            + "(?:\\bexec\\(|\\beval\\(|os\\.system\\(|subprocess\\.\\w+\\(|chmod \\+x|\\bnohup\\b)");
    // Code that gathers what a program has no business sending (secrets, credential stores,
    // browser cookies, the host's inventory, a command's output, the user's input) near code that
    // sends something over the network. Described by kind, not by any one payload: the corpus's
    // file names and device libraries are deliberately not listed. Only the sources are triggers
    // (the sink must be within the window around one): fewer windows to run the pattern in.
    add(
        r,
        "indirect/code-exfiltration",
        0.8,
        List.of(
            "environ",
            "getenv",
            "process.env",
            ".ssh",
            "id_rsa",
            "id_dsa",
            "id_ecdsa",
            "id_ed25519",
            "/etc/passwd",
            "/etc/shadow",
            ".aws",
            "netrc",
            "git-credentials",
            ".kube",
            "keychain",
            "keyring",
            "wallet",
            "login data",
            "cookie",
            "psutil",
            "platform.",
            "gethostname",
            "getuser",
            "uname",
            "getlogin",
            "getnode",
            "wmi.",
            "check_output",
            "getoutput",
            "popen",
            "pynput",
            "keyboard.",
            "clipboard",
            "imagegrab",
            "screenshot"),
        "(?:"
            + SENSITIVE_SOURCE
            + ")[\\s\\S]{0,400}?(?:"
            + NETWORK_SINK
            + ")|(?:"
            + NETWORK_SINK
            + ")[\\s\\S]{0,400}?(?:"
            + SENSITIVE_SOURCE
            + ")");
    // An order, inside third-party content, to put the code it carries into the answer: "the
    // following code block" and "your code/solution/answer" close together, in either order.
    add(
        r,
        "indirect/embed-code-directive",
        0.55,
        List.of("code"),
        "\\b(?:following|subsequent|below|attached|given) code "
            + CODE_PIECE
            + "\\b.{0,80}\\b"
            + YOUR_WORK
            + "|\\b"
            + YOUR_WORK
            + ".{0,80}\\b(?:following|subsequent|below|attached|given) code "
            + CODE_PIECE
            + "\\b");
    add(
        r,
        "indirect/response-rewrite",
        0.6,
        List.of("your reply", "your response", "your answer", "your message", "your output"),
        "\\b(?:enhance|augment|render|end|begin|start|conclude|format|write|compose|rewrite|"
            + "encode|translate|reverse|scramble|convert|present|deliver|structure|phrase|style|"
            + "craft|pad|prefix|sign|close|finish|open|decorate|spice up|season|garnish|pepper|"
            + "enrich|embellish|infuse|fill|sprinkle|punctuate|adorn|tailor|modify|alter)\\b "
            + "(?:all |each |every )?(?:of )?your (?:reply|replies|response|responses|answer|"
            + "answers|message|output|summary)");
    return List.copyOf(r);
  }

  private static void add(
      List<Rule> rules, String id, double weight, List<String> triggers, String regex) {
    rules.add(new Rule(id, weight, triggers, Pattern.compile(regex)));
  }
}
