package io.hydra.runtime.container;

import java.security.SecureRandom;
import java.util.List;
import java.util.function.Predicate;

import io.hydra.runtime.HydraException;

/** Docker-like names ({@code adjective_surname}) for containers created without {@code --name}. */
final class NameGenerator {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int ATTEMPTS = 64;
    private static final List<String> ADJECTIVES = List.of("admiring", "agitated", "amazing", "angry", "awesome",
            "blissful", "bold", "brave", "busy", "charming", "clever", "cool", "compassionate", "confident", "cranky",
            "dazzling", "determined", "distracted", "dreamy", "eager", "ecstatic", "elastic", "elated", "elegant",
            "epic", "fervent", "focused", "friendly", "frosty", "gallant", "gifted", "goofy", "gracious", "happy",
            "hopeful", "hungry", "infallible", "inspiring", "jolly", "jovial", "keen", "kind", "laughing", "loving",
            "lucid", "magical", "modest", "musing", "mystifying", "naughty", "nervous", "nice", "nifty", "nostalgic",
            "objective", "optimistic", "peaceful", "pedantic", "pensive", "practical", "priceless", "quirky",
            "quizzical", "relaxed", "reverent", "romantic", "sad", "serene", "sharp", "silly", "sleepy", "stoic",
            "strange", "stupefied", "suspicious", "sweet", "tender", "thirsty", "trusting", "unruffled", "upbeat",
            "vibrant", "vigilant", "vigorous", "wizardly", "wonderful", "xenodochial", "youthful", "zealous", "zen");
    private static final List<String> SURNAMES = List.of("albattani", "allen", "archimedes", "ardinghelli",
            "babbage", "banach", "bardeen", "bartik", "bell", "bhabha", "blackwell", "bohr", "booth", "borg", "bose",
            "brahmagupta", "brattain", "brown", "carson", "cerf", "chandrasekhar", "chaplygin", "clarke", "colden",
            "curie", "darwin", "davinci", "dijkstra", "dirac", "driscoll", "easley", "einstein", "elion", "euclid",
            "euler", "faraday", "fermat", "fermi", "feynman", "franklin", "galileo", "gauss", "goldberg",
            "goldstine", "goodall", "hamilton", "hawking", "heisenberg", "hellman", "hermann", "hodgkin", "hopper",
            "hypatia", "jackson", "jang", "jennings", "johnson", "kalam", "kepler", "khorana", "knuth", "kowalevski",
            "lalande", "lamarr", "leakey", "leavitt", "lovelace", "lumiere", "mahavira", "mayer", "mccarthy",
            "mcclintock", "meitner", "mendel", "merkle", "mirzakhani", "morse", "napier", "newton", "nobel",
            "noether", "pare", "pascal", "pasteur", "perlman", "pike", "poincare", "ptolemy", "raman", "ritchie",
            "rosalind", "sammet", "shannon", "shockley", "sinoussi", "stallman", "swanson", "tesla", "thompson",
            "torvalds", "turing", "varahamihira", "visvesvaraya", "wescoff", "wiles", "williams", "wilson", "wozniak",
            "wright", "yalow", "yonath");

    private NameGenerator() {
    }

    /** A name {@code taken} says is free; a digit is appended when the plain pairs keep colliding. */
    static String generate(Predicate<String> taken) {
        for (int i = 0; i < ATTEMPTS; i++) {
            String name = ADJECTIVES.get(RANDOM.nextInt(ADJECTIVES.size())) + "_"
                    + SURNAMES.get(RANDOM.nextInt(SURNAMES.size())) + (i < ATTEMPTS / 2 ? "" : RANDOM.nextInt(10));
            if (!taken.test(name)) {
                return name;
            }
        }
        throw HydraException.conflict("no free container name found after " + ATTEMPTS + " attempts; give --name");
    }
}
